import type { ProviderCallOptions } from '../ports/payment-provider.js';

/** The provider did not answer within `PAYMENT_PROVIDER_TIMEOUT`: nobody waits for it any longer. */
export class ProviderTimeoutError extends Error {
  override readonly name = 'ProviderTimeoutError';

  constructor(
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(`the provider did not answer within ${timeoutMs} ms`, options);
  }
}

/**
 * One call of the provider with the caller's deadline: the call gets `AbortSignal.timeout(timeoutMs)`,
 * and once that fires its answer is no longer waited for, whether or not the adapter honours the signal
 * (a provider that hangs never holds a request past its deadline). A call cut short rejects with
 * `ProviderTimeoutError`; any other failure rejects as it came.
 */
export async function callProvider<T>(timeoutMs: number, call: (options: ProviderCallOptions) => Promise<T>): Promise<T> {
  const signal = AbortSignal.timeout(timeoutMs);
  let stopWaiting: (() => void) | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    stopWaiting = () => reject(new ProviderTimeoutError(timeoutMs));
    signal.addEventListener('abort', stopWaiting, { once: true });
  });
  try {
    return await Promise.race([Promise.resolve().then(() => call({ signal })), timedOut]);
  } catch (error) {
    // The adapter rejecting because of the signal (an AbortError, a TimeoutError) is the same timeout.
    if (signal.aborted && !(error instanceof ProviderTimeoutError)) throw new ProviderTimeoutError(timeoutMs, { cause: error });
    throw error;
  } finally {
    if (stopWaiting) signal.removeEventListener('abort', stopWaiting);
  }
}
