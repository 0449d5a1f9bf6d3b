/**
 * The payment provider (DESIGN.md section 5), by role: the built-in sandbox is one adapter, a real
 * provider is one new adapter. Our `paymentId` is the merchant reference, so every operation is
 * idempotent on it (and a refund on its `refundId`): a retry after a timeout never charges or refunds twice.
 * No use case calls it inside a unit of work: a network call never holds a transaction (or its row locks).
 */
export interface PaymentProvider {
  /** The provider's name as payments record it (`sandbox`, …). */
  readonly name: string;
  /** Opens the charge the customer then pays at the provider. Throws when the provider cannot be reached or refuses. */
  createPayment(request: { paymentId: string; userId: string; amount: number; currency: string }): Promise<{ providerPaymentId: string }>;
  /** What the provider knows of the charge (UNKNOWN: it never heard of it). Throws on a transient failure. */
  queryPayment(paymentId: string): Promise<ProviderPaymentState>;
  /**
   * Cancels a charge not paid: 'cancelled' (the customer can no longer pay it), or it settled meanwhile
   * ('already-succeeded', 'already-failed'). Throws on a transient failure.
   */
  cancelPayment(paymentId: string): Promise<'cancelled' | 'already-succeeded' | 'already-failed'>;
  /**
   * Gives a captured payment's money back, whole. Synchronous: 'refunded', or 'refused' with the
   * provider's reason (retried later). Throws on a transient failure (retried too).
   */
  refundPayment(request: { paymentId: string; refundId: string; amount: number; currency: string }): Promise<ProviderRefundResult>;
}

export interface ProviderPaymentState {
  readonly status: 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'UNKNOWN';
  readonly providerPaymentId?: string;
  /** What the provider took (or would take), fen; checked against the payment's before a success is applied. */
  readonly amount?: number;
  readonly currency?: string;
  readonly failureReason?: string;
}

export type ProviderRefundResult = { readonly outcome: 'refunded' } | { readonly outcome: 'refused'; readonly reason: string };
