import { dialectOf, rowsOf, type TransactionHost } from '@shop/persistence';
import type {
  Balance,
  BalanceMismatch,
  PointsReconciliation,
  ReconciliationPage,
  ReconciliationPageRequest,
} from '../../application/ports/points-reconciliation.js';
import { balanceOf } from './points.rows.js';

/** One user of a page: the stored balances (null without an account row) beside the ledger's sums (null without entries). */
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
}

const sameBalance = (a: Balance, b: Balance): boolean =>
  a.available === b.available && a.frozen === b.frozen && a.lifetimeEarned === b.lifetimeEarned && a.debt === b.debt;

/**
 * Recomputes balances from the ledger, one statement per page of users in user id order. The page's
 * users are those with an account row or ledger entries (so an orphaned entry or a row without entries
 * is seen too), each side on its own index and bounded by the page size. Being one statement, a page
 * reads the accounts and the ledger at one moment on PostgreSQL: a save in flight (row and entries in
 * one transaction) is seen whole or not at all, never half, so it cannot show as a mismatch. On SQLite
 * (one connection) `TransactionHost.read` keeps it from running inside a save that is still open.
 */
export class SqlPointsReconciliation implements PointsReconciliation {
  constructor(private readonly transactions: TransactionHost) {}

  async checkPage(page: ReconciliationPageRequest): Promise<ReconciliationPage> {
    const { param } = dialectOf(this.transactions.kind);
    const limit = Math.trunc(page.limit);
    const parameters: unknown[] = [];
    let after = '';
    if (page.afterUserId !== null) {
      parameters.push(page.afterUserId);
      after = `WHERE user_id > ${param(1)}`;
    }
    // SQLite binds each `?` once: the second use of the cursor needs its own parameter.
    const afterAgain = page.afterUserId === null ? '' : `WHERE user_id > ${param(2)}`;
    if (page.afterUserId !== null) parameters.push(page.afterUserId);
    const rows = rowsOf<ReconciliationRow>(
      await this.transactions.read(() =>
        this.transactions.manager.query(
          `WITH candidates AS (
           SELECT user_id FROM (SELECT user_id FROM points_account ${after} ORDER BY user_id LIMIT ${limit}) AS accounts
           UNION
           SELECT user_id FROM (SELECT DISTINCT user_id FROM points_ledger ${afterAgain} ORDER BY user_id LIMIT ${limit}) AS ledgers
         ),
         page AS (SELECT user_id FROM candidates ORDER BY user_id LIMIT ${limit}),
         sums AS (
           SELECT user_id, SUM(delta_available) AS available, SUM(delta_frozen) AS frozen, SUM(delta_earned) AS earned, SUM(delta_debt) AS debt
           FROM points_ledger WHERE user_id IN (SELECT user_id FROM page) GROUP BY user_id
         )
         SELECT p.user_id,
           a.available AS stored_available, a.frozen AS stored_frozen, a.lifetime_earned AS stored_lifetime_earned, a.debt AS stored_debt,
           s.available AS ledger_available, s.frozen AS ledger_frozen, s.earned AS ledger_earned, s.debt AS ledger_debt
         FROM page p
         LEFT JOIN points_account a ON a.user_id = p.user_id
         LEFT JOIN sums s ON s.user_id = p.user_id
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
      if (!sameBalance(stored, ledger)) mismatches.push({ userId: row.user_id, stored, ledger });
    }
    return { mismatches, lastUserId: rows.at(-1)?.user_id ?? null, checked: rows.length };
  }
}
