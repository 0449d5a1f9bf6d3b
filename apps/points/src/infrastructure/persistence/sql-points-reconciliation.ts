import { dialectOf, numberOf, rowsOf, type TransactionHost } from '@shop/persistence';
import type {
  Balance,
  BalanceMismatch,
  PointsReconciliation,
  ReconciliationPage,
  ReconciliationPageRequest,
  StuckReservations,
  StuckReservationsRequest,
} from '../../application/ports/points-reconciliation.js';
import { balanceOf } from './points.rows.js';

/**
 * One user of a page: the stored balances (null without an account row) beside the ledger's sums (null
 * without entries) and the points of its RESERVED orders (null without any).
 */
interface ReconciliationRow {
  user_id: string;
  stored_available: string | number | null;
  stored_frozen: string | number | null;
  stored_lifetime_earned: string | number | null;
  stored_debt: string | number | null;
  ledger_available: string | number | null;
  ledger_frozen: string | number | null;
  ledger_earned: string | number | null;
  ledger_debt: string | number | null;
  reserved_points: string | number | null;
}

interface StuckReservationRow {
  order_id: string;
  user_id: string;
  points: string | number;
  updated_at: string | number;
  total: string | number;
}

const sameBalance = (a: Balance, b: Balance): boolean =>
  a.available === b.available && a.frozen === b.frozen && a.lifetimeEarned === b.lifetimeEarned && a.debt === b.debt;

/**
 * Recomputes balances from the ledger, one statement per page of users in user id order. The page's
 * users are those with an account row, ledger entries or RESERVED orders (so an orphaned entry, a row
 * without entries or a reservation frozen nowhere is seen too), each side on its own index and bounded by
 * the page size. Being one statement, a page reads the accounts, the ledger and the orders at one moment
 * on PostgreSQL: a save in flight (row, entries and order in one transaction) is seen whole or not at
 * all, never half, so it cannot show as a mismatch. On SQLite (one connection) `TransactionHost.read`
 * keeps it from running inside a save that is still open.
 */
export class SqlPointsReconciliation implements PointsReconciliation {
  constructor(private readonly transactions: TransactionHost) {}

  async checkPage(page: ReconciliationPageRequest): Promise<ReconciliationPage> {
    const { param } = dialectOf(this.transactions.kind);
    const limit = Math.trunc(page.limit);
    // SQLite binds each `?` once: each use of the cursor has its own parameter.
    const parameters: unknown[] = [];
    const afterCursor = () => {
      if (page.afterUserId === null) return '';
      parameters.push(page.afterUserId);
      return `AND user_id > ${param(parameters.length)}`;
    };
    const accountsAfter = afterCursor();
    const ledgerAfter = afterCursor();
    const reservationsAfter = afterCursor();
    const rows = rowsOf<ReconciliationRow>(
      await this.transactions.read(() =>
        this.transactions.manager.query(
          `WITH candidates AS (
             SELECT user_id FROM (SELECT user_id FROM points_account WHERE 1 = 1 ${accountsAfter} ORDER BY user_id LIMIT ${limit}) AS accounts
             UNION
             SELECT user_id FROM (SELECT DISTINCT user_id FROM points_ledger WHERE 1 = 1 ${ledgerAfter} ORDER BY user_id LIMIT ${limit}) AS ledgers
             UNION
             SELECT user_id FROM (
               SELECT DISTINCT user_id FROM points_order WHERE status = 'RESERVED' AND user_id IS NOT NULL ${reservationsAfter} ORDER BY user_id LIMIT ${limit}
             ) AS reservations
           ),
           page AS (SELECT user_id FROM candidates ORDER BY user_id LIMIT ${limit}),
           sums AS (
             SELECT user_id, SUM(delta_available) AS available, SUM(delta_frozen) AS frozen, SUM(delta_earned) AS earned, SUM(delta_debt) AS debt
             FROM points_ledger WHERE user_id IN (SELECT user_id FROM page) GROUP BY user_id
           ),
           reserved AS (
             SELECT user_id, SUM(points) AS points FROM points_order
             WHERE status = 'RESERVED' AND user_id IN (SELECT user_id FROM page) GROUP BY user_id
           )
           SELECT p.user_id,
             a.available AS stored_available, a.frozen AS stored_frozen, a.lifetime_earned AS stored_lifetime_earned, a.debt AS stored_debt,
             s.available AS ledger_available, s.frozen AS ledger_frozen, s.earned AS ledger_earned, s.debt AS ledger_debt,
             r.points AS reserved_points
           FROM page p
           LEFT JOIN points_account a ON a.user_id = p.user_id
           LEFT JOIN sums s ON s.user_id = p.user_id
           LEFT JOIN reserved r ON r.user_id = p.user_id
           ORDER BY p.user_id`,
          parameters,
        ),
      ),
    );
    const mismatches: BalanceMismatch[] = [];
    for (const row of rows) {
      const stored = balanceOf({
        available: row.stored_available,
        frozen: row.stored_frozen,
        lifetimeEarned: row.stored_lifetime_earned,
        debt: row.stored_debt,
      });
      const ledger = balanceOf({ available: row.ledger_available, frozen: row.ledger_frozen, lifetimeEarned: row.ledger_earned, debt: row.ledger_debt });
      const reservedForOrders = row.reserved_points === null ? 0 : numberOf(row.reserved_points);
      if (!sameBalance(stored, ledger) || ledger.frozen !== reservedForOrders) mismatches.push({ userId: row.user_id, stored, ledger, reservedForOrders });
    }
    return { mismatches, lastUserId: rows.at(-1)?.user_id ?? null, checked: rows.length };
  }

  async stuckReservations(request: StuckReservationsRequest): Promise<StuckReservations> {
    const { param } = dialectOf(this.transactions.kind);
    // RESERVED rows are only the orders in flight; both the filter and the order are on a partial index.
    // The window's count is taken before the LIMIT: every stuck one is counted, the oldest listed.
    const rows = rowsOf<StuckReservationRow>(
      await this.transactions.read(() =>
        this.transactions.manager.query(
          `SELECT order_id, user_id, points, updated_at, COUNT(*) OVER () AS total
           FROM points_order
           WHERE status = 'RESERVED' AND updated_at < ${param(1)}
           ORDER BY updated_at, order_id
           LIMIT ${Math.trunc(request.limit)}`,
          [request.reservedBefore.getTime()],
        ),
      ),
    );
    return {
      count: rows.length === 0 ? 0 : numberOf(rows[0]!.total),
      oldest: rows.map((row) => ({ orderId: row.order_id, userId: row.user_id, points: numberOf(row.points), reservedAt: new Date(numberOf(row.updated_at)) })),
    };
  }
}
