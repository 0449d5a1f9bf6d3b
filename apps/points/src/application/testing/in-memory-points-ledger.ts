import type { InMemoryUnitOfWork, Transactional } from '@shop/testing';
import type { LedgerEntry } from '../../domain/ledger-entry.js';
import type { LedgerEntryView } from '../ports/points.queries.js';

/** The ledger's unique business key refused an entry (the real store's unique constraint on `entry_key`). */
export class DuplicateLedgerKeyError extends Error {
  constructor(readonly key: string) {
    super(`the ledger already holds an entry keyed ${key}`);
    this.name = 'DuplicateLedgerKeyError';
  }
}

/**
 * The points ledger in memory, shared by the account repository (which appends), the queries and the
 * reconciliation (which read): append-only, unique by key, numbered by `seq` like the real table's
 * sequence (which, like it, never goes back on a rollback). Rolls back with its unit of work.
 */
export class InMemoryPointsLedger implements Transactional {
  private entries: LedgerEntryView[] = [];
  private readonly keys = new Set<string>();
  private nextSeq = 1;

  constructor(unitOfWork: InMemoryUnitOfWork) {
    unitOfWork.enlist(this);
  }

  append(entries: readonly LedgerEntry[]): void {
    for (const entry of entries) {
      if (this.keys.has(entry.key)) throw new DuplicateLedgerKeyError(entry.key);
      this.keys.add(entry.key);
      this.entries.push({ ...entry, seq: this.nextSeq++ });
    }
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** The user's entries, oldest first. */
  entriesOf(userId: string): LedgerEntryView[] {
    return this.entries.filter((entry) => entry.userId === userId);
  }

  /** Every entry, oldest first. */
  all(): LedgerEntryView[] {
    return [...this.entries];
  }

  /** Every user with at least one entry. */
  userIds(): string[] {
    return [...new Set(this.entries.map((entry) => entry.userId))];
  }

  begin(): () => void {
    const length = this.entries.length;
    return () => {
      for (const entry of this.entries.splice(length)) this.keys.delete(entry.key);
    };
  }
}
