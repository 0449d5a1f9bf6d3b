import type { BalanceMismatch, StuckReservations } from '../../ports/points-reconciliation.js';

/** From the scheduled job or `npm run points -- reconcile`. */
export interface ReconcilePointsBalancesCommand {
  /** Accounts checked per query, 1–10,000. */
  readonly pageSize: number;
  /** A reservation RESERVED for longer than this (ms, ≥ 1) is reported as stuck. */
  readonly stuckReservationMs: number;
}

export interface ReconcilePointsBalancesResult {
  /** Users checked (accounts, users with ledger entries but no account, and users with reserved orders). */
  readonly checked: number;
  /** Every account whose stored balances differ from its ledger's sum, or its frozen points from its reserved orders; empty when all agree. */
  readonly mismatches: BalanceMismatch[];
  /** Reservations held longer than `stuckReservationMs`: their count and the oldest of them. */
  readonly stuckReservations: StuckReservations;
}
