import { Inject, Injectable } from '@nestjs/common';
import { InvalidValueError, type Clock } from '@shop/shared-kernel';
import { POINTS_CLOCK, POINTS_RECONCILIATION } from '../../points.di-tokens.js';
import type { BalanceMismatch, PointsReconciliation } from '../../ports/points-reconciliation.js';
import type { ReconcilePointsBalancesCommand, ReconcilePointsBalancesResult } from './reconcile-points-balances.command.js';

export const RECONCILE_PAGE_SIZE_MAX = 10_000;
/** Stuck reservations named in a result (all are counted): enough to start looking, short enough for one log line. */
export const STUCK_RESERVATIONS_LISTED = 20;

/**
 * Recomputes every account's balances from its ledger and reports each one that differs, or whose
 * frozen points are not what its orders still hold reserved, walking the accounts a page at a time
 * (each page its own short read, so no long transaction holds the store); then counts the reservations
 * held too long (points frozen for an order no saga step has come for). Read-only: a difference is for
 * people to look into, never corrected behind their backs.
 */
@Injectable()
export class ReconcilePointsBalancesHandler {
  constructor(
    @Inject(POINTS_RECONCILIATION) private readonly reconciliation: PointsReconciliation,
    @Inject(POINTS_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: ReconcilePointsBalancesCommand): Promise<ReconcilePointsBalancesResult> {
    const limit = command.pageSize;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > RECONCILE_PAGE_SIZE_MAX)
      throw new InvalidValueError('pageSize', `must be a whole number 1–${RECONCILE_PAGE_SIZE_MAX}, got ${limit}`);
    if (!Number.isSafeInteger(command.stuckReservationMs) || command.stuckReservationMs < 1)
      throw new InvalidValueError('stuckReservationMs', `must be a whole number of milliseconds ≥ 1, got ${command.stuckReservationMs}`);
    const reservedBefore = new Date(this.clock.now().getTime() - command.stuckReservationMs);
    const mismatches: BalanceMismatch[] = [];
    let checked = 0;
    let afterUserId: string | null = null;
    for (;;) {
      const page = await this.reconciliation.checkPage({ afterUserId, limit });
      checked += page.checked;
      mismatches.push(...page.mismatches);
      if (page.checked < limit || page.lastUserId === null) break;
      afterUserId = page.lastUserId;
    }
    const stuckReservations = await this.reconciliation.stuckReservations({ reservedBefore, limit: STUCK_RESERVATIONS_LISTED });
    return { checked, mismatches, stuckReservations };
  }
}
