import type { Balance } from '../../domain/ledger-entry.js';

export type { Balance } from '../../domain/ledger-entry.js';

/** An account whose stored balances are not what its ledger sums to. */
export interface BalanceMismatch {
  readonly userId: string;
  /** As stored on the account row (zeros when there is no row). */
  readonly stored: Balance;
  /** The sum of the account's ledger entries (zeros when there are none). */
  readonly ledger: Balance;
}

export interface ReconciliationPageRequest {
  /** Only users after this one (by user id); null for the first page. */
  readonly afterUserId: string | null;
  readonly limit: number;
}

export interface ReconciliationPage {
  readonly mismatches: BalanceMismatch[];
  /** The last user id checked on this page; null when there was none. */
  readonly lastUserId: string | null;
  /** How many users were checked on this page. */
  readonly checked: number;
}

/**
 * Recomputes balances from the ledger, a page of users at a time in user id order. A user with ledger
 * entries but no account row, or an account row with a non-zero balance but no entries, mismatches too.
 */
export interface PointsReconciliation {
  checkPage(page: ReconciliationPageRequest): Promise<ReconciliationPage>;
}
