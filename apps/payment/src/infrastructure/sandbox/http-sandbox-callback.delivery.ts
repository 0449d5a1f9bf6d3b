import { PAYMENT_SIGNATURE_HEADER } from '@shop/contracts';
import { SandboxCallbackRefusedError, type SandboxCallbackDelivery, type SignedSandboxCallback } from './sandbox-callback.delivery.js';

/** One POST may take this long before it counts as failed (and is retried). */
export const HTTP_CALLBACK_TIMEOUT_MS = 5_000;
/**
 * Answers that a retry may heal: the receiver was not ready (404 while a gateway's routes load, 408, 425,
 * 429, 409 from a lock) or failed (5xx). Any other 4xx is final: a bad signature, an amount mismatch, a
 * body refused are the same on every try.
 */
const RETRYABLE_4XX = new Set([404, 408, 409, 425, 429]);
/** The most of an error answer kept for the log. */
const MAX_ANSWER_TEXT = 300;

/**
 * POSTs the sandbox's callback to `PAYMENT_SANDBOX_CALLBACK_URL` (the gateway's `/api/v1/payments/callback`
 * in the distributed mode), as a real provider calls its merchant: the signed bytes as the body,
 * `Payment-Signature` beside. A 2xx is taken; see `RETRYABLE_4XX` for what is retried.
 */
export class HttpSandboxCallbackDelivery implements SandboxCallbackDelivery {
  readonly name = 'http';

  constructor(private readonly url: string) {}

  async deliver(callback: SignedSandboxCallback, signal: AbortSignal): Promise<void> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [PAYMENT_SIGNATURE_HEADER]: callback.signature },
      body: callback.rawBody,
      redirect: 'error',
      signal: AbortSignal.any([signal, AbortSignal.timeout(HTTP_CALLBACK_TIMEOUT_MS)]),
    });
    const text = (await response.text().catch(() => '')).slice(0, MAX_ANSWER_TEXT);
    if (response.ok) return;
    const why = `${this.url} answered ${response.status}: ${text}`;
    if (response.status >= 400 && response.status < 500 && !RETRYABLE_4XX.has(response.status)) throw new SandboxCallbackRefusedError(callback.paymentId, why);
    throw new Error(why);
  }
}
