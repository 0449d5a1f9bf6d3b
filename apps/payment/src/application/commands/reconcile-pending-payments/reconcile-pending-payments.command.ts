/** The `payment.reconcile-pending` job's run. */
export interface ReconcilePendingPaymentsCommand {
  /** At most this many payments looked at in one run (1–1,000). */
  readonly limit: number;
}

/** What one payment's reconciliation came to. */
export type ReconcileOutcome =
  /** The provider took the money: SUCCEEDED, payment.succeeded.v1. */
  | 'succeeded'
  /** The provider declined it: FAILED (DECLINED), payment.failed.v1. */
  | 'failed'
  /** Unpaid past the pending timeout (or its order was cancelled): cancelled at the provider, FAILED (EXPIRED). */
  | 'expired'
  /** Still pending at the provider (or unknown to it), not due to be cancelled yet. */
  | 'pending'
  /** Settled meanwhile (a callback got in first): nothing to do. */
  | 'settled';

export interface ReconcilePendingPaymentsResult {
  /** Payments PENDING for longer than `reconcileAfterMs`, looked at. */
  readonly checked: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly expired: number;
  readonly pending: number;
  /**
   * Payments whose reconciliation failed (the provider unreachable, the store failing, or the provider
   * reporting another amount or currency: AMOUNT_MISMATCH / CURRENCY_MISMATCH, worth an error in the log):
   * skipped, nothing changed; the next run looks again. Log each.
   */
  readonly errors: ReadonlyArray<{ readonly paymentId: string; readonly error: unknown }>;
}
