import type { Balance, LedgerEntry } from '../../domain/ledger-entry.js';

/** An account's balances as shown to its user (all zero for a user without an account). */
export type PointsBalanceView = Balance;

/** A stored ledger entry with its place in the ledger: `seq` grows with every entry appended. */
export interface LedgerEntryView extends LedgerEntry {
  readonly seq: number;
}

export interface LedgerPageRequest {
  /** Only entries older than this one (a smaller `seq`); null for the newest. */
  readonly beforeSeq: number | null;
  readonly limit: number;
}

export interface LedgerPage {
  /** Newest first (`seq` descending), at most `limit`. */
  readonly entries: LedgerEntryView[];
  /** Whether older entries remain after the last one. */
  readonly hasMore: boolean;
}

/** The read side: answers straight from the store. */
export interface PointsQueries {
  balanceOf(userId: string): Promise<PointsBalanceView>;
  ledgerOf(userId: string, page: LedgerPageRequest): Promise<LedgerPage>;
}
