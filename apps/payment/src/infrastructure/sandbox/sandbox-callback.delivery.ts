/** One signed callback of the sandbox provider, ready to send: the exact bytes that were signed, and the header. */
export interface SignedSandboxCallback {
  readonly paymentId: string;
  readonly eventId: string;
  /** The JSON body, byte for byte as signed. */
  readonly rawBody: Buffer;
  /** The `Payment-Signature` header value over `rawBody`. */
  readonly signature: string;
}

/**
 * The receiver refused the callback for good (a 4xx that no retry heals: a bad signature, an amount
 * mismatch, a body the contract refuses): the sandbox stops sending it and logs it. Any other failure is
 * retried a few times.
 */
export class SandboxCallbackRefusedError extends Error {
  constructor(
    readonly paymentId: string,
    readonly why: string,
  ) {
    super(`the callback of payment ${paymentId} was refused: ${why}`);
    this.name = 'SandboxCallbackRefusedError';
  }
}

/**
 * How the sandbox provider's callbacks reach the payment service (a port of the sandbox, not of the
 * application: a real provider calls over the internet on its own). In-process to the callback use case
 * (`PAYMENT_SANDBOX_CALLBACK_URL` unset), or an HTTP POST to that URL (the gateway's route, as a real
 * provider would). Resolves once the receiver took it; throws `SandboxCallbackRefusedError` for a refusal
 * for good, anything else for a failure worth retrying.
 */
export interface SandboxCallbackDelivery {
  readonly name: string;
  deliver(callback: SignedSandboxCallback, signal: AbortSignal): Promise<void>;
}

export const SANDBOX_CALLBACK_DELIVERY = Symbol.for('shop.payment.SandboxCallbackDelivery');
