import type { UnitOfWork } from '@shop/shared-kernel';

/** Something that can go back to how it was when a transaction began. */
export interface Transactional {
  /** Takes a snapshot; calling the returned function restores it. */
  begin(): () => void;
}

/**
 * A unit of work for unit tests: nested calls join the outer one, and a failure rolls every
 * participant back, as a database transaction would.
 */
export class InMemoryUnitOfWork implements UnitOfWork {
  private depth = 0;
  runs = 0;

  constructor(private readonly participants: readonly Transactional[]) {}

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.depth > 0) return work();
    this.runs += 1;
    const rollbacks = this.participants.map((participant) => participant.begin());
    this.depth += 1;
    try {
      return await work();
    } catch (error) {
      for (const rollback of rollbacks) rollback();
      throw error;
    } finally {
      this.depth -= 1;
    }
  }
}
