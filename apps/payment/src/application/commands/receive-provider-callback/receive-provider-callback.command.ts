/** POST /payments/callback: the provider's report, exactly as it arrived. */
export interface ReceiveProviderCallbackCommand {
  /** The body's bytes as received: the signature is over them, never over a re-encoding. */
  readonly rawBody: Buffer;
  /** The `Payment-Signature` header; undefined when absent. */
  readonly signature: string | undefined;
}

export interface ReceiveProviderCallbackResult {
  /**
   * 'succeeded' / 'failed': applied (payment.succeeded.v1 / payment.failed.v1); 'duplicate': it had
   * succeeded already (a repeat); 'ignored': a failure of a payment settled already (late, or after its success).
   */
  readonly outcome: 'succeeded' | 'failed' | 'duplicate' | 'ignored';
  readonly paymentId: string;
  /**
   * True when a success was applied to a FAILED payment (the provider took the money after all): worth a
   * warning in the log; the order refunds it if it was paid meanwhile by another attempt.
   */
  readonly afterFailure: boolean;
}
