import { AsyncLocalStorage } from 'node:async_hooks';
import type { UnitOfWork } from '@shop/shared-kernel';

/** Something that can go back to how it was when a transaction began. */
export interface Transactional {
  /** Takes a snapshot; calling the returned function restores it. */
  begin(): () => void;
}

interface InMemoryTransaction {
  readonly beforeCommit: Array<() => void | Promise<void>>;
  readonly afterCommit: Array<() => void>;
  /** False once the work and checks settled: code still running in their async context is outside it. */
  open: boolean;
}

/**
 * A unit of work for unit tests that behaves like `TransactionHost` on SQLite: nested calls (in the
 * async context of a run's work) join it; concurrent runs are queued one after another, each its own
 * transaction. Queued rather than interleaved so that the fakes' snapshots stay exact and no run sees
 * another's uncommitted writes, as on the embedded database. The checks added with `beforeCommit` run
 * once the work is done; a failure of either rolls every participant back, as a database would, and
 * `afterCommit` callbacks run only after a commit. Call `dispose()` once a test is done with it.
 */
export class InMemoryUnitOfWork implements UnitOfWork {
  private readonly storage = new AsyncLocalStorage<InMemoryTransaction>();
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  runs = 0;
  commits = 0;

  private readonly participants: Transactional[] = [];

  constructor(participants: readonly Transactional[] = []) {
    this.enlist(...participants);
  }

  /** Adds stores that roll back with this unit of work (fakes enlist themselves when given it). */
  enlist(...participants: Transactional[]): void {
    this.participants.push(...participants);
  }

  get inTransaction(): boolean {
    return this.current() !== undefined;
  }

  get currentTransaction(): object | undefined {
    return this.current();
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.current()) return work();
    if (this.disposed) throw new Error('this InMemoryUnitOfWork was disposed: it runs no more work');
    const turn = this.queue.then(() => this.runOnce(work));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Refuses any further run, waits for the runs already queued to settle, then disables the async
   * context. Why: on Node 20 an AsyncLocalStorage that has run once stays enabled for good and is
   * visited on every promise created anywhere, so each live instance slows every later await; a test
   * making hundreds (a property test's fixtures) grows quadratically slower unless each is disposed.
   */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.queue;
    this.storage.disable();
  }

  beforeCommit(check: () => void | Promise<void>): void {
    const transaction = this.current();
    if (!transaction) throw new Error('beforeCommit needs a transaction: call it inside UnitOfWork.run');
    transaction.beforeCommit.push(check);
  }

  afterCommit(callback: () => void): void {
    const transaction = this.current();
    if (transaction) transaction.afterCommit.push(callback);
    else callback();
  }

  private current(): InMemoryTransaction | undefined {
    const transaction = this.storage.getStore();
    return transaction?.open ? transaction : undefined;
  }

  private async runOnce<T>(work: () => Promise<T>): Promise<T> {
    this.runs += 1;
    const rollbacks = this.participants.map((participant) => participant.begin());
    const transaction: InMemoryTransaction = { beforeCommit: [], afterCommit: [], open: true };
    let result: T;
    try {
      result = await this.storage.run(transaction, async () => {
        const value = await work();
        for (let i = 0; i < transaction.beforeCommit.length; i++) await transaction.beforeCommit[i]!();
        return value;
      });
    } catch (error) {
      transaction.open = false;
      for (const rollback of rollbacks.reverse()) rollback();
      throw error;
    }
    transaction.open = false;
    this.commits += 1;
    for (const callback of transaction.afterCommit) callback();
    return result;
  }
}
