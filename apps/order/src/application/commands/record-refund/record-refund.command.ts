import type { RefundOutcome } from '../../../domain/order.js';

/** payment.refunded.v1: a payment of the order was refunded. */
export interface RecordRefundCommand {
  readonly orderId: string;
  readonly paymentId: string;
  readonly amount: number;
}

export interface RecordRefundResult {
  /** 'refunded' (the order's payment: REFUNDED); 'stray-refunded' (one it did not keep); 'duplicate'. */
  readonly outcome: RefundOutcome;
}
