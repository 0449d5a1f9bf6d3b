import { Inject, Injectable } from '@nestjs/common';
import { InvalidValueError } from '@shop/shared-kernel';
import { POINTS_RECONCILIATION } from '../../points.di-tokens.js';
import type { BalanceMismatch, PointsReconciliation } from '../../ports/points-reconciliation.js';
import type { ReconcilePointsBalancesCommand, ReconcilePointsBalancesResult } from './reconcile-points-balances.command.js';

export const RECONCILE_PAGE_SIZE_MAX = 10_000;

/**
 * Recomputes every account's balances from its ledger and reports each one that differs, walking the
 * accounts a page at a time (each page its own short read, so no long transaction holds the store).
 * Read-only: a difference is for people to look into, never corrected behind their backs.
 */
@Injectable()
export class ReconcilePointsBalancesHandler {
  constructor(@Inject(POINTS_RECONCILIATION) private readonly reconciliation: PointsReconciliation) {}

  async execute(command: ReconcilePointsBalancesCommand): Promise<ReconcilePointsBalancesResult> {
    const limit = command.pageSize;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > RECONCILE_PAGE_SIZE_MAX)
      throw new InvalidValueError('pageSize', `must be a whole number 1–${RECONCILE_PAGE_SIZE_MAX}, got ${limit}`);
    const mismatches: BalanceMismatch[] = [];
    let checked = 0;
    let afterUserId: string | null = null;
    for (;;) {
      const page = await this.reconciliation.checkPage({ afterUserId, limit });
      checked += page.checked;
      mismatches.push(...page.mismatches);
      if (page.checked < limit || page.lastUserId === null) return { checked, mismatches };
      afterUserId = page.lastUserId;
    }
  }
}
