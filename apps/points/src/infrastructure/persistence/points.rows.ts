import { numberOf } from '@shop/persistence';
import type { Balance, LedgerEntry, LedgerEntryKind } from '../../domain/ledger-entry.js';

/** The columns of `points_ledger` an entry is written to and read from (all but `seq`). */
export const LEDGER_ENTRY_COLUMNS = [
  'entry_key',
  'user_id',
  'kind',
  'order_id',
  'delta_available',
  'delta_frozen',
  'delta_earned',
  'delta_debt',
  'available_after',
  'frozen_after',
  'lifetime_earned_after',
  'debt_after',
  'created_at',
] as const;

/** A row of `points_ledger` as the drivers return it (PostgreSQL: BIGINT as a string). */
export interface LedgerEntryRow {
  seq: string | number;
  entry_key: string;
  user_id: string;
  kind: string;
  order_id: string | null;
  delta_available: string | number;
  delta_frozen: string | number;
  delta_earned: string | number;
  delta_debt: string | number;
  available_after: string | number;
  frozen_after: string | number;
  lifetime_earned_after: string | number;
  debt_after: string | number;
  created_at: string | number;
}

/** The values of `LEDGER_ENTRY_COLUMNS` for one entry, in that order. */
export const ledgerEntryValues = (entry: LedgerEntry): unknown[] => [
  entry.key,
  entry.userId,
  entry.kind,
  entry.orderId,
  entry.delta.available,
  entry.delta.frozen,
  entry.delta.earned,
  entry.delta.debt,
  entry.after.available,
  entry.after.frozen,
  entry.after.lifetimeEarned,
  entry.after.debt,
  entry.createdAt.getTime(),
];

export const ledgerEntryOf = (row: LedgerEntryRow): LedgerEntry & { readonly seq: number } => ({
  seq: numberOf(row.seq),
  key: row.entry_key,
  userId: row.user_id,
  // The column's CHECK admits only the kinds of the list.
  kind: row.kind as LedgerEntryKind,
  orderId: row.order_id,
  delta: { available: numberOf(row.delta_available), frozen: numberOf(row.delta_frozen), earned: numberOf(row.delta_earned), debt: numberOf(row.delta_debt) },
  after: balanceOf({ available: row.available_after, frozen: row.frozen_after, lifetimeEarned: row.lifetime_earned_after, debt: row.debt_after }),
  createdAt: new Date(numberOf(row.created_at)),
});

/** Four balances as read (strings on PostgreSQL, null from an outer join that found nothing) as numbers; null reads 0. */
export function balanceOf(values: { [K in keyof Balance]: string | number | null | undefined }): Balance {
  const n = (value: string | number | null | undefined) => (value === null || value === undefined ? 0 : numberOf(value));
  return { available: n(values.available), frozen: n(values.frozen), lifetimeEarned: n(values.lifetimeEarned), debt: n(values.debt) };
}
