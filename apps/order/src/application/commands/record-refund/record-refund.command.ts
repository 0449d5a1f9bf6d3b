/** payment.refunded.v1: a payment of the order was refunded. */
export interface RecordRefundCommand {
  readonly orderId: string;
  readonly paymentId: string;
  readonly amount: number;
}

export type RecordRefundResult =
  /** The order's payment: the order is REFUNDED. */
  | { readonly outcome: 'refunded' }
  /** A payment the order did not keep: marked refunded, the order unchanged. */
  | { readonly outcome: 'stray-refunded' }
  /** This refund was recorded before: nothing changed. */
  | { readonly outcome: 'duplicate' }
  /** A refund of another amount than the payment's (partial): nothing changed; `paymentAmount` is what was paid. */
  | { readonly outcome: 'amount-mismatch'; readonly paymentAmount: number }
  /** The payment is recorded on another order (`ownerOrderId`): nothing changed. */
  | { readonly outcome: 'foreign-payment'; readonly ownerOrderId: string };
