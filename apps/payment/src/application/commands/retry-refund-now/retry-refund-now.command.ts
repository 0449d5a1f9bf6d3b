import type { AdminPaymentView } from '../../payment.presenters.js';

/** POST /admin/payments/{id}/retry-refund: an admin wants a REFUNDING payment's refund tried now. */
export interface RetryRefundNowCommand {
  readonly paymentId: string;
}

/** The payment, its refund due now. */
export type RetryRefundNowResult = AdminPaymentView;
