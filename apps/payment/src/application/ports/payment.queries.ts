import type { PaymentStatus } from '../../domain/payment-status.js';
import type { AdminPaymentView, PaymentView } from '../payment.presenters.js';

/** Where a page of payments ends: the last payment's (createdAt, paymentId), the keys it is ordered by. */
export interface PaymentCursor {
  readonly createdAt: Date;
  readonly paymentId: string;
}

export interface AdminPaymentsRequest {
  /** Only payments in this status; every payment when absent. */
  readonly status?: PaymentStatus;
  /** Only payments older than this one (createdAt, then paymentId, descending); null for the newest. */
  readonly cursor: PaymentCursor | null;
  readonly limit: number;
}

export interface AdminPaymentsPage {
  /** Newest first, at most `limit`. */
  readonly items: AdminPaymentView[];
  /** The cursor of the next page (the last item's keys), null on the last page. */
  readonly nextCursor: PaymentCursor | null;
}

/** The read side of payments: answers straight from the store. */
export interface PaymentQueries {
  /** The payment, only if it is `userId`'s (another's is null, as a missing one). */
  paymentOfUser(paymentId: string, userId: string): Promise<PaymentView | null>;
  /** The payment, whoever's (for admins). */
  payment(paymentId: string): Promise<AdminPaymentView | null>;
  listForAdmin(request: AdminPaymentsRequest): Promise<AdminPaymentsPage>;
}
