import { ZERO_BALANCE, balanceOfLedger, type Balance } from '../../domain/ledger-entry.js';
import type {
  BalanceMismatch,
  PointsReconciliation,
  ReconciliationPage,
  ReconciliationPageRequest,
  StuckReservations,
  StuckReservationsRequest,
} from '../ports/points-reconciliation.js';
import type { InMemoryOrderPointsRepository } from './in-memory-order-points.repository.js';
import type { InMemoryPointsAccountRepository } from './in-memory-points-account.repository.js';
import type { InMemoryPointsLedger } from './in-memory-points-ledger.js';

const sameBalance = (a: Balance, b: Balance) =>
  a.available === b.available && a.frozen === b.frozen && a.lifetimeEarned === b.lifetimeEarned && a.debt === b.debt;

/** The reconciliation over the fakes: every user with an account row, ledger entries or reserved orders, in user id order. */
export class InMemoryPointsReconciliation implements PointsReconciliation {
  /** How many pages were asked for. */
  pages = 0;

  constructor(
    private readonly accounts: InMemoryPointsAccountRepository,
    private readonly ledger: InMemoryPointsLedger,
    private readonly orders: InMemoryOrderPointsRepository,
  ) {}

  async checkPage(page: ReconciliationPageRequest): Promise<ReconciliationPage> {
    this.pages += 1;
    const reserved = this.reserved();
    const userIds = [...new Set([...this.accounts.all().map((account) => account.userId), ...this.ledger.userIds(), ...reserved.map((o) => o.userId!)])]
      .sort()
      .filter((userId) => page.afterUserId === null || userId > page.afterUserId)
      .slice(0, page.limit);
    const mismatches: BalanceMismatch[] = [];
    for (const userId of userIds) {
      const row = this.accounts.rowOf(userId);
      const stored: Balance = row ? { available: row.available, frozen: row.frozen, lifetimeEarned: row.lifetimeEarned, debt: row.debt } : ZERO_BALANCE;
      const ledger = balanceOfLedger(this.ledger.entriesOf(userId));
      const reservedForOrders = reserved.filter((order) => order.userId === userId).reduce((sum, order) => sum + order.points, 0);
      if (!sameBalance(stored, ledger) || ledger.frozen !== reservedForOrders) mismatches.push({ userId, stored, ledger, reservedForOrders });
    }
    return { mismatches, lastUserId: userIds.at(-1) ?? null, checked: userIds.length };
  }

  async stuckReservations(request: StuckReservationsRequest): Promise<StuckReservations> {
    const stuck = this.reserved()
      .filter((order) => order.updatedAt < request.reservedBefore)
      .sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime() || a.orderId.localeCompare(b.orderId));
    return {
      count: stuck.length,
      oldest: stuck
        .slice(0, request.limit)
        .map((order) => ({ orderId: order.orderId, userId: order.userId!, points: order.points, reservedAt: order.updatedAt })),
    };
  }

  private reserved() {
    return this.orders
      .all()
      .map((order) => order.toSnapshot())
      .filter((order) => order.status === 'RESERVED');
  }
}
