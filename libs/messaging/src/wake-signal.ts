/**
 * Wakes a loop that sleeps between passes: `wait(ms)` resolves on the next `notify`, at once if one
 * came since the last wait (so a wake-up during a pass is not lost), or after `ms`.
 */
export class WakeSignal {
  private waiter: (() => void) | undefined;
  private pending = false;

  /** `keepsProcessAlive: false` for a loop whose work is safe on disk and must not hold Node open. */
  constructor(private readonly options: { readonly keepsProcessAlive?: boolean } = {}) {}

  notify(): void {
    this.pending = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve();
      }, ms);
      if (this.options.keepsProcessAlive === false) timer.unref();
      this.waiter = () => {
        clearTimeout(timer);
        this.pending = false;
        resolve();
      };
    });
  }
}
