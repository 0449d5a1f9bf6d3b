/** The `payment.retry-refunds` job's run. */
export interface RetryDueRefundsCommand {
  /** At most this many refunds tried in one run (1–1,000). */
  readonly limit: number;
  /** Aborted: no further refund is tried (the one being tried finishes). The run's deadline. */
  readonly signal?: AbortSignal;
}

export interface RetryDueRefundsResult {
  /** Refunds due and tried (those left by an aborted run are not counted). */
  readonly tried: number;
  readonly refunded: number;
  /** Refused or failed at the provider: put off with backoff. */
  readonly refused: number;
  /** Tries that could not be recorded (the store failed): left due, the next run tries them again. Log each. */
  readonly errors: ReadonlyArray<{ readonly paymentId: string; readonly error: unknown }>;
}
