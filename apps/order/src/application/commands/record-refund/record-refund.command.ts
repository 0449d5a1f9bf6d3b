import type { RefundOutcome } from '../../../domain/order.js';

/** payment.refunded.v1: a payment of the order was refunded. */
export interface RecordRefundCommand {
  readonly orderId: string;
  readonly paymentId: string;
  readonly amount: number;
}

export type RecordRefundResult =
  /** 'refunded' (the order's payment: REFUNDED); 'stray-refunded' (one it did not keep); 'duplicate'. */
  | { readonly outcome: Exclude<RefundOutcome, 'amount-mismatch'> }
  /** A refund of another amount than the payment's (partial): nothing changed; `paymentAmount` is what was paid. */
  | { readonly outcome: 'amount-mismatch'; readonly paymentAmount: number };
