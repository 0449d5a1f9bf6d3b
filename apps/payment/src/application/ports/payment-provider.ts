/**
 * The payment provider (DESIGN.md section 5), by role: the built-in sandbox is one adapter, a real
 * provider is one new adapter. Our `paymentId` is the merchant reference, so every operation is
 * idempotent on it (and a refund on its `refundId`): a retry after a timeout never charges or refunds twice.
 * No use case calls it inside a unit of work: a network call never holds a transaction (or its row locks).
 *
 * Every operation takes the caller's `signal`, aborted once the caller stops waiting
 * (`PAYMENT_PROVIDER_TIMEOUT`): an adapter passes it on to its HTTP client (or stops its own work) and
 * rejects. The use cases stop waiting at that moment whatever the adapter does: a create not answered in
 * time is a FAILED payment (PROVIDER_ERROR), a query, cancel or refund not answered in time is a transient
 * failure (the next run, the refund's backoff). Being idempotent on our ids, a call cut short and made again
 * never charges or refunds twice.
 */
export interface PaymentProvider {
  /** The provider's name as payments record it (`sandbox`, …). */
  readonly name: string;
  /** Opens the charge the customer then pays at the provider. Throws when the provider cannot be reached or refuses. */
  createPayment(
    request: { paymentId: string; userId: string; amount: number; currency: string },
    options: ProviderCallOptions,
  ): Promise<{ providerPaymentId: string }>;
  /** What the provider knows of the charge (UNKNOWN: it never heard of it). Throws on a transient failure. */
  queryPayment(paymentId: string, options: ProviderCallOptions): Promise<ProviderPaymentState>;
  /**
   * Cancels a charge not paid: 'cancelled' (the customer can no longer pay it), or it settled meanwhile
   * ('already-succeeded', 'already-failed'). Throws on a transient failure.
   */
  cancelPayment(paymentId: string, options: ProviderCallOptions): Promise<'cancelled' | 'already-succeeded' | 'already-failed'>;
  /**
   * Gives a captured payment's money back, whole. Synchronous: 'refunded', or 'refused' with the
   * provider's reason (retried later). Throws on a transient failure (retried too).
   */
  refundPayment(
    request: { paymentId: string; refundId: string; amount: number; currency: string },
    options: ProviderCallOptions,
  ): Promise<ProviderRefundResult>;
}

/** What every provider call is given besides its request. */
export interface ProviderCallOptions {
  /** Aborted when the caller stops waiting for the answer (`PAYMENT_PROVIDER_TIMEOUT`): reject then, leaving nothing half done that a retry could not finish. */
  readonly signal: AbortSignal;
}

export interface ProviderPaymentState {
  readonly status: 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'UNKNOWN';
  readonly providerPaymentId?: string;
  /**
   * What the provider took (or would take), fen; checked against the payment's before a success is applied.
   * A failure's is never checked (no money moved): a charge that never opened may report none.
   */
  readonly amount?: number;
  readonly currency?: string;
  readonly failureReason?: string;
}

export type ProviderRefundResult = { readonly outcome: 'refunded' } | { readonly outcome: 'refused'; readonly reason: string };
