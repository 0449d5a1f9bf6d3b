import type { PaymentStatus } from '../../../domain/payment-status.js';
import type { AdminPaymentView } from '../../payment.presenters.js';

/** GET /admin/payments: every payment, or those in one status, newest first. */
export interface ListPaymentsForAdminQuery {
  readonly status?: PaymentStatus;
  /** The `nextCursor` of the page before; null for the newest payments. */
  readonly cursor: string | null;
  /** 1–200 (`PAYMENT_LIST_LIMIT`), default 50. */
  readonly limit?: number;
}

export interface ListPaymentsForAdminResult {
  /** Newest first (createdAt, then paymentId, descending). */
  readonly items: AdminPaymentView[];
  /** The cursor of the next (older) page; null on the last page. */
  readonly nextCursor: string | null;
}
