/**
 * Work started after a commit (a provider call that must not hold a transaction) that nobody awaits:
 * kept until it settles, so that `settled()` can wait for it (a service's stop, a test). Its failure is
 * left to the scheduled job that retries it; nothing here throws it.
 */
export class DetachedWork {
  private readonly running = new Set<Promise<unknown>>();

  start(work: () => Promise<unknown>): void {
    const promise = work().catch(() => undefined);
    this.running.add(promise);
    void promise.finally(() => this.running.delete(promise));
  }

  /** Resolves once every piece of work started so far has settled. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
