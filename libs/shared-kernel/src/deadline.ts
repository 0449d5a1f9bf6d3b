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
