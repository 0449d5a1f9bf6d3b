/**
 * Settles as `work` does, or as `onLate()` does (its value, or what it throws) once `timeoutMs` has
 * passed first. The timer is always cleared. `work` is not cancelled: it runs on, unobserved, which
 * is why callers decide in `onLate` what giving up on it means.
 */
export function withDeadline<T, L>(work: Promise<T>, timeoutMs: number, onLate: () => L): Promise<T | L> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<L>((resolve, reject) => {
    timer = setTimeout(
      () => {
        try {
          resolve(onLate());
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      },
      Math.max(0, timeoutMs),
    );
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Whether `work` settles, either way, within `timeoutMs` (false once the time is up first). `work` is not cancelled. */
export function settlesWithin(work: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  const settled = work.then(
    () => true,
    () => true,
  );
  return withDeadline(settled, timeoutMs, () => false);
}

/** Resolves after `ms`, or at once when `signal` aborts (already or meanwhile); never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
