import { ZERO_BALANCE, balanceOfLedger, type Balance } from '../../domain/ledger-entry.js';
import type { BalanceMismatch, PointsReconciliation, ReconciliationPage, ReconciliationPageRequest } from '../ports/points-reconciliation.js';
import type { InMemoryPointsAccountRepository } from './in-memory-points-account.repository.js';
import type { InMemoryPointsLedger } from './in-memory-points-ledger.js';

const sameBalance = (a: Balance, b: Balance) =>
  a.available === b.available && a.frozen === b.frozen && a.lifetimeEarned === b.lifetimeEarned && a.debt === b.debt;

/** The reconciliation over the fakes: every user with an account row or ledger entries, in user id order. */
export class InMemoryPointsReconciliation implements PointsReconciliation {
  /** How many pages were asked for. */
  pages = 0;

  constructor(
    private readonly accounts: InMemoryPointsAccountRepository,
    private readonly ledger: InMemoryPointsLedger,
  ) {}

  async checkPage(page: ReconciliationPageRequest): Promise<ReconciliationPage> {
    this.pages += 1;
    const userIds = [...new Set([...this.accounts.all().map((account) => account.userId), ...this.ledger.userIds()])]
      .sort()
      .filter((userId) => page.afterUserId === null || userId > page.afterUserId)
      .slice(0, page.limit);
    const mismatches: BalanceMismatch[] = [];
    for (const userId of userIds) {
      const row = this.accounts.rowOf(userId);
      const stored: Balance = row ? { available: row.available, frozen: row.frozen, lifetimeEarned: row.lifetimeEarned, debt: row.debt } : ZERO_BALANCE;
      const ledger = balanceOfLedger(this.ledger.entriesOf(userId));
      if (!sameBalance(stored, ledger)) mismatches.push({ userId, stored, ledger });
    }
    return { mismatches, lastUserId: userIds.at(-1) ?? null, checked: userIds.length };
  }
}
