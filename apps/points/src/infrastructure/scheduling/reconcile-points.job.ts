import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, type Logger } from '@shop/observability';
import type { JobRun, ScheduledJob } from '@shop/scheduler';
import { ReconcilePointsBalancesHandler } from '../../application/commands/reconcile-points-balances/reconcile-points-balances.handler.js';
import { POINTS_CLOCK } from '../../application/points.di-tokens.js';
import type { Balance } from '../../application/ports/points-reconciliation.js';
import type { Clock } from '@shop/shared-kernel';
import { POINTS_CONFIG, type PointsConfig } from '../points.config.js';
import { PointsMetrics } from '../reconciliation/points-metrics.js';

/** A whole pass may read many pages; it only reads, so running past this harms nothing but the lease. */
const RECONCILE_TIMEOUT_MS = 10 * 60_000;

/**
 * `points.reconcile`: every `POINTS_RECONCILE_INTERVAL_MS`, one instance at a time across the service's
 * instances (the scheduler's lease), recomputes every account's balances from its ledger (and its frozen
 * points from its RESERVED orders), `POINTS_RECONCILE_PAGE_SIZE` accounts per query, sets
 * `shop_points_balance_mismatches` and logs each mismatch at error level; then counts the reservations
 * RESERVED for longer than `POINTS_STUCK_RESERVATION_MS` into `shop_points_stuck_reservations`, logging
 * them (the oldest named) at error level. It corrects nothing: a difference is a bug or a hand edit, a
 * stuck reservation a lost saga step, for people to look into (`npm run points -- reconcile` shows the same).
 *
 * Read-only, so the pages are read outside any transaction (no long snapshot held, no lease check at a commit).
 */
@Injectable()
export class ReconcilePointsJob implements ScheduledJob {
  readonly name = 'points.reconcile';
  readonly intervalMs: number;
  // One run is one whole pass: never "a full batch, run again at once".
  readonly batchSize = Number.MAX_SAFE_INTEGER;
  readonly timeoutMs = RECONCILE_TIMEOUT_MS;
  private readonly pageSize: number;
  private readonly stuckReservationMs: number;

  constructor(
    private readonly reconcile: ReconcilePointsBalancesHandler,
    private readonly metrics: PointsMetrics,
    @Inject(POINTS_CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(POINTS_CONFIG) config: PointsConfig,
  ) {
    this.intervalMs = config.reconciliation.intervalMs;
    this.pageSize = config.reconciliation.pageSize;
    this.stuckReservationMs = config.reconciliation.stuckReservationMs;
  }

  async run(_run: JobRun): Promise<number> {
    const { checked, mismatches, stuckReservations } = await this.reconcile.execute({
      pageSize: this.pageSize,
      stuckReservationMs: this.stuckReservationMs,
    });
    for (const { userId, stored, ledger, reservedForOrders } of mismatches) {
      const message = sameBalance(stored, ledger)
        ? 'points reconciliation: the frozen points differ from what the reserved orders hold'
        : 'points reconciliation: the stored balance differs from the sum of the ledger';
      this.logger.error({ userId, stored, ledger, reservedForOrders }, message);
    }
    this.metrics.reconciled({ mismatches: mismatches.length, stuckReservations: stuckReservations.count }, this.clock.now());
    if (stuckReservations.count > 0) {
      this.logger.error(
        { stuckReservations: stuckReservations.count, olderThanMs: this.stuckReservationMs, oldest: stuckReservations.oldest },
        'points reconciliation: reservations held longer than POINTS_STUCK_RESERVATION_MS (points frozen for orders no saga step came for)',
      );
    }
    if (mismatches.length > 0) this.logger.error({ checked, mismatches: mismatches.length }, 'points reconciliation: balances differ from the ledger');
    else this.logger.info({ checked }, 'points reconciliation: every balance equals its ledger');
    return checked;
  }
}

const sameBalance = (a: Balance, b: Balance): boolean =>
  a.available === b.available && a.frozen === b.frozen && a.lifetimeEarned === b.lifetimeEarned && a.debt === b.debt;
