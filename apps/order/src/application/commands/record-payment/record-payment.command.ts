import type { OrderCancelReason, RefundReason } from '../../../domain/order-status.js';

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
  /**
   * A payment the order cannot keep: its refund is asked for, and why (LATE_PAYMENT, DUPLICATE_PAYMENT,
   * AMOUNT_MISMATCH); with the order's payment deadline (null if it never awaited payment) and cancel
   * reason, so a payment taken in time but handled after the cancellation can be told apart.
   */
  | {
      readonly outcome: 'refund-requested';
      readonly reason: RefundReason;
      readonly paymentDueAt: Date | null;
      readonly cancelReason: OrderCancelReason | null;
    }
  /** The payment is recorded on another order (`ownerOrderId`): nothing changed. */
  | { readonly outcome: 'foreign-payment'; readonly ownerOrderId: string };
