import type { PointsLedgerEntry } from '@shop/contracts';
import type { LedgerEntry } from '../domain/ledger-entry.js';

/** A ledger entry in the shape of the HTTP contract; its business key is its id. */
export function ledgerEntryResponseOf(entry: LedgerEntry): PointsLedgerEntry {
  return {
    entryId: entry.key,
    kind: entry.kind,
    delta: entry.delta.available,
    frozenDelta: entry.delta.frozen,
    debtDelta: entry.delta.debt,
    availableAfter: entry.after.available,
    frozenAfter: entry.after.frozen,
    debtAfter: entry.after.debt,
    orderId: entry.orderId,
    createdAt: entry.createdAt.toISOString(),
  };
}
