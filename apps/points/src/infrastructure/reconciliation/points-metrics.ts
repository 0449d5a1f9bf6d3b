import { Gauge, Registry } from 'prom-client';

/**
 * The points context's own figures, in a registry of their own that the composition root hands to the
 * service's `/metrics` (`contextModule({ registries })`). Alert on `shop_points_balance_mismatches > 0`:
 * some account's stored balance is not what its ledger adds up to, or its frozen points not what its
 * orders hold reserved; and on `shop_points_stuck_reservations > 0`: points frozen for an order for longer
 * than any saga takes.
 */
export class PointsMetrics {
  /** Accounts whose stored balances differed from their ledger at the last check (0 before the first). */
  readonly balanceMismatches: Gauge;
  /** Reservations RESERVED longer than `POINTS_STUCK_RESERVATION_MS` at the last check: points frozen for orders no step came for. */
  readonly stuckReservations: Gauge;
  /** When this instance last finished a check (Unix time; 0: never). */
  readonly lastReconciliation: Gauge;

  constructor(readonly registry: Registry = new Registry()) {
    const registers = [registry];
    this.balanceMismatches = new Gauge({
      name: 'shop_points_balance_mismatches',
      help: 'Points accounts whose stored balance differed from the sum of their ledger at the last reconciliation',
      registers,
    });
    this.stuckReservations = new Gauge({
      name: 'shop_points_stuck_reservations',
      help: 'Orders whose points stayed frozen (RESERVED) longer than POINTS_STUCK_RESERVATION_MS at the last reconciliation',
      registers,
    });
    this.lastReconciliation = new Gauge({
      name: 'shop_points_reconciliation_last_run_timestamp_seconds',
      help: 'When this instance last finished reconciling the points balances with the ledger (Unix time)',
      registers,
    });
  }

  /** A finished check: how many accounts mismatched, how many reservations were stuck, and when. */
  reconciled(result: { mismatches: number; stuckReservations: number }, at: Date): void {
    this.balanceMismatches.set(result.mismatches);
    this.stuckReservations.set(result.stuckReservations);
    this.lastReconciliation.set(at.getTime() / 1000);
  }
}
