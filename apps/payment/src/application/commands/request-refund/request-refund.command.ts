/** order.refund-requested.v1: the order asks for a payment's money back. */
export interface RequestRefundCommand {
  readonly orderId: string;
  readonly paymentId: string;
  /** The whole payment's amount: refunds are whole. */
  readonly amount: number;
  /** The order's reason: CUSTOMER_REQUEST, LATE_PAYMENT, DUPLICATE_PAYMENT, AMOUNT_MISMATCH. */
  readonly reason: string;
}

export type RequestRefundResult =
  /** REFUNDING: the provider is tried once right after the commit, then by the job until it refunds. */
  | { readonly outcome: 'requested' }
  /** Asked before (refunding or refunded): nothing changed. */
  | { readonly outcome: 'duplicate' }
  /** Not the payment's whole amount: dropped, nothing changed (log it at error: the order never asks that). */
  | { readonly outcome: 'amount-mismatch'; readonly paymentAmount: number }
  /** The payment belongs to another order: dropped, nothing changed (log it at error). */
  | { readonly outcome: 'foreign-order'; readonly paymentOrderId: string };
