import type { UnitOfWork } from '@shop/shared-kernel';

/**
 * The row version the store holds for an aggregate object, as far as this process knows: what it was
 * loaded or last written at, within its transaction until that commits, then for good. An aggregate
 * never learns of its own saves; this lets it be saved again (in the same transaction, or after)
 * without reading as stale or new. What a rolled-back transaction recorded is forgotten with it, so a
 * retried unit of work starts from what is committed.
 */
export class StoredVersions<A extends object> {
  private readonly committed = new WeakMap<A, number>();
  private readonly pending = new WeakMap<object, Map<A, number>>();

  constructor(private readonly unitOfWork: UnitOfWork) {}

  /** Undefined for an object never loaded nor written through this repository (a new aggregate). */
  of(aggregate: A): number | undefined {
    const transaction = this.unitOfWork.currentTransaction;
    const pending = transaction ? this.pending.get(transaction)?.get(aggregate) : undefined;
    return pending ?? this.committed.get(aggregate);
  }

  /** The store holds `version` for `aggregate` in the current transaction (kept once it commits); outside one, nothing is recorded. */
  record(aggregate: A, version: number): void {
    const transaction = this.unitOfWork.currentTransaction;
    if (!transaction) return;
    let versions = this.pending.get(transaction);
    if (!versions) {
      const created = new Map<A, number>();
      this.pending.set(transaction, (versions = created));
      this.unitOfWork.afterCommit(() => {
        for (const [aggregateObject, version] of created) this.committed.set(aggregateObject, version);
      });
    }
    versions.set(aggregate, version);
  }
}
