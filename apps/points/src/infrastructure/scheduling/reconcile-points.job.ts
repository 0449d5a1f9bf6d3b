import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, type Logger } from '@shop/observability';
import type { JobRun, ScheduledJob } from '@shop/scheduler';
import { ReconcilePointsBalancesHandler } from '../../application/commands/reconcile-points-balances/reconcile-points-balances.handler.js';
import { POINTS_CLOCK } from '../../application/points.di-tokens.js';
import type { Clock } from '@shop/shared-kernel';
import { POINTS_CONFIG, type PointsConfig } from '../points.config.js';
import { PointsMetrics } from '../reconciliation/points-metrics.js';

/** A whole pass may read many pages; it only reads, so running past this harms nothing but the lease. */
const RECONCILE_TIMEOUT_MS = 10 * 60_000;

/**
 * `points.reconcile`: every `POINTS_RECONCILE_INTERVAL_MS`, one instance at a time across the service's
 * instances (the scheduler's lease), recomputes every account's balances from its ledger,
 * `POINTS_RECONCILE_PAGE_SIZE` accounts per query, sets `shop_points_balance_mismatches` and logs each
 * mismatch at error level. It corrects nothing: a difference is a bug or a hand edit for people to look
 * into (`npm run points -- reconcile` shows the same list).
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

  constructor(
    private readonly reconcile: ReconcilePointsBalancesHandler,
    private readonly metrics: PointsMetrics,
    @Inject(POINTS_CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(POINTS_CONFIG) config: PointsConfig,
  ) {
    this.intervalMs = config.reconciliation.intervalMs;
    this.pageSize = config.reconciliation.pageSize;
  }

  async run(_run: JobRun): Promise<number> {
    const { checked, mismatches } = await this.reconcile.execute({ pageSize: this.pageSize });
    for (const { userId, stored, ledger } of mismatches) {
      this.logger.error({ userId, stored, ledger }, 'points reconciliation: the stored balance differs from the sum of the ledger');
    }
    this.metrics.reconciled(mismatches.length, this.clock.now());
    if (mismatches.length > 0) this.logger.error({ checked, mismatches: mismatches.length }, 'points reconciliation: balances differ from the ledger');
    else this.logger.info({ checked }, 'points reconciliation: every balance equals its ledger');
    return checked;
  }
}
