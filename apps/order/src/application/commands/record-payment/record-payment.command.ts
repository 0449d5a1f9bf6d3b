import type { PaymentOutcome } from '../../../domain/order.js';
import type { RefundReason } from '../../../domain/order-status.js';

/** payment.succeeded.v1: a payment of the order was taken. */
export interface RecordPaymentCommand {
  readonly orderId: string;
  readonly paymentId: string;
  readonly amount: number;
}

export interface RecordPaymentResult {
  /** 'paid'; 'duplicate' (this payment was recorded before); 'refund-requested' (a payment the order cannot keep). */
  readonly outcome: PaymentOutcome;
  /** Why its refund was asked for (LATE_PAYMENT, DUPLICATE_PAYMENT, AMOUNT_MISMATCH); with 'refund-requested' only. */
  readonly reason?: RefundReason;
}
