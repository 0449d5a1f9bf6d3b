import type { BalanceMismatch } from '../../ports/points-reconciliation.js';

/** From the scheduled job or `npm run points -- reconcile`. */
export interface ReconcilePointsBalancesCommand {
  /** Accounts checked per query, 1–10,000. */
  readonly pageSize: number;
}

export interface ReconcilePointsBalancesResult {
  /** Users checked (accounts, and users with ledger entries but no account). */
  readonly checked: number;
  /** Every account whose stored balances differ from its ledger's sum; empty when all agree. */
  readonly mismatches: BalanceMismatch[];
}
