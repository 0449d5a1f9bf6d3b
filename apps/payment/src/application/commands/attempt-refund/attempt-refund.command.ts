/** One try of a REFUNDING payment's refund with the provider (right after it is asked for, then by the job). */
export interface AttemptRefundCommand {
  readonly paymentId: string;
}

export type AttemptRefundResult =
  /** The provider gave the money back: REFUNDED, payment.refunded.v1. */
  | { readonly outcome: 'refunded' }
  /** The provider refused, or failed: counted, the next try due at `nextAttemptAt`. */
  | { readonly outcome: 'refused'; readonly error: string; readonly nextAttemptAt: Date }
  /** Refunded already (a try that raced another): nothing changed. */
  | { readonly outcome: 'duplicate' }
  /** The payment has no refund under way: nothing was tried. */
  | { readonly outcome: 'not-refunding' };
