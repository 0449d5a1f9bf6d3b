/** One run of reconciliation (the `payment.reconcile-pending` job's). */
export interface ReconcilePendingPaymentsCommand {
  /** At most this many payments looked at in one run (1–1,000). */
  readonly limit: number;
  /**
   * Payments not to look at in this run (those the job is backing off after they failed): neither asked
   * about nor counted in `limit`. Empty when not given.
   */
  readonly skip?: Iterable<string>;
  /** Aborted: no further payment is started (the one being settled finishes). The run's deadline. */
  readonly signal?: AbortSignal;
}

/** What one payment's reconciliation came to. */
export type ReconcileOutcome =
  /** The provider took the money: SUCCEEDED, payment.succeeded.v1. */
  | 'succeeded'
  /** The provider declined it: FAILED (DECLINED), payment.failed.v1. */
  | 'failed'
  /**
   * Cancelled at the provider, FAILED (EXPIRED): unknown to the provider (the create never reached it), or
   * unpaid past the pending timeout, or its order is closed (cancelled, or paid by another attempt).
   */
  | 'expired'
  /** Still pending at the provider, not due to be cancelled yet. */
  | 'pending'
  /** Settled meanwhile (a callback got in first): nothing to do. */
  | 'settled';

export interface ReconcilePendingPaymentsResult {
  /** Payments PENDING for longer than `reconcileAfterMs` looked at (the skipped ones aside). */
  readonly checked: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly expired: number;
  readonly pending: number;
  /** Every payment looked at without an error, with what it came to, in the order looked at. */
  readonly outcomes: ReadonlyArray<{ readonly paymentId: string; readonly outcome: ReconcileOutcome }>;
  /**
   * Payments whose reconciliation failed (the provider failing or not answering in time, the store failing,
   * or the provider reporting a success of another amount or currency: AMOUNT_MISMATCH / CURRENCY_MISMATCH,
   * worth an error in the log): nothing changed; the next run looks again. Log each.
   */
  readonly errors: ReadonlyArray<{ readonly paymentId: string; readonly error: unknown }>;
  /**
   * True when this run looked at every payment PENDING past `reconcileAfterMs` outside `skip` (none was
   * left for a later run by `limit` or the signal): a payment the caller backs off, not in `skip` and not
   * looked at, is no longer stuck.
   */
  readonly complete: boolean;
}
