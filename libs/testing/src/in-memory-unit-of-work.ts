import type { UnitOfWork } from '@shop/shared-kernel';

/** Something that can go back to how it was when a transaction began. */
export interface Transactional {
  /** Takes a snapshot; calling the returned function restores it. */
  begin(): () => void;
}

/**
 * A unit of work for unit tests that behaves like `TransactionHost`: nested calls join the outer
 * one, the checks added with `beforeCommit` run once the work is done, and a failure of either rolls
 * every participant back, as a database transaction would.
 */
export class InMemoryUnitOfWork implements UnitOfWork {
  private checks: Array<() => void | Promise<void>> | undefined;
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
    return this.checks !== undefined;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.checks) return work();
    this.runs += 1;
    const rollbacks = this.participants.map((participant) => participant.begin());
    const checks: Array<() => void | Promise<void>> = [];
    this.checks = checks;
    try {
      const result = await work();
      for (let i = 0; i < checks.length; i++) await checks[i]!();
      this.commits += 1;
      return result;
    } catch (error) {
      for (const rollback of rollbacks) rollback();
      throw error;
    } finally {
      this.checks = undefined;
    }
  }

  beforeCommit(check: () => void | Promise<void>): void {
    if (!this.checks) throw new Error('beforeCommit needs a transaction: call it inside UnitOfWork.run');
    this.checks.push(check);
  }
}
