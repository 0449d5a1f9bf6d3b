import type { RefundReason } from '../../../domain/order-status.js';

/** payment.succeeded.v1: a payment of the order was taken. */
export interface RecordPaymentCommand {
  readonly orderId: string;
  readonly paymentId: string;
  readonly amount: number;
}

export type RecordPaymentResult =
  /** The order is PAID. */
  | { readonly outcome: 'paid' }
  /** This payment was recorded before: nothing changed. */
  | { readonly outcome: 'duplicate' }
  /** A payment the order cannot keep: its refund is asked for, and why (LATE_PAYMENT, DUPLICATE_PAYMENT, AMOUNT_MISMATCH). */
  | { readonly outcome: 'refund-requested'; readonly reason: RefundReason }
  /** The payment is recorded on another order (`ownerOrderId`): nothing changed. */
  | { readonly outcome: 'foreign-payment'; readonly ownerOrderId: string };
