import { dialectOf, rowsOf, type TransactionHost } from '@shop/persistence';
import { isUuid } from '@shop/shared-kernel';
import type { LedgerPage, LedgerPageRequest, PointsBalanceView, PointsQueries } from '../../application/ports/points.queries.js';
import { ZERO_BALANCE } from '../../domain/ledger-entry.js';
import { LEDGER_ENTRY_COLUMNS, balanceOf, ledgerEntryOf, type LedgerEntryRow } from './points.rows.js';

/**
 * The read side, straight from the tables: no aggregate is loaded, no transaction opened (each answer
 * is one statement, consistent by itself). Through `TransactionHost.read`, so that on SQLite's one
 * connection an answer never shows a transaction's uncommitted writes.
 */
export class SqlPointsQueries implements PointsQueries {
  constructor(private readonly transactions: TransactionHost) {}

  async balanceOf(userId: string): Promise<PointsBalanceView> {
    if (!isUuid(userId)) return ZERO_BALANCE;
    const { param } = dialectOf(this.transactions.kind);
    const [row] = await this.query<{ available: string | number; frozen: string | number; lifetime_earned: string | number; debt: string | number }>(
      `SELECT available, frozen, lifetime_earned, debt FROM points_account WHERE user_id = ${param(1)}`,
      [userId.toLowerCase()],
    );
    return row ? balanceOf({ available: row.available, frozen: row.frozen, lifetimeEarned: row.lifetime_earned, debt: row.debt }) : ZERO_BALANCE;
  }

  async ledgerOf(userId: string, page: LedgerPageRequest): Promise<LedgerPage> {
    if (!isUuid(userId)) return { entries: [], hasMore: false };
    const { param } = dialectOf(this.transactions.kind);
    const parameters: unknown[] = [userId.toLowerCase()];
    let before = '';
    if (page.beforeSeq !== null) {
      parameters.push(page.beforeSeq);
      before = ` AND seq < ${param(2)}`;
    }
    // One more than asked: whether an older page exists, without a COUNT. On the (user_id, seq DESC) index.
    const rows = await this.query<LedgerEntryRow>(
      `SELECT seq, ${LEDGER_ENTRY_COLUMNS.join(', ')} FROM points_ledger
       WHERE user_id = ${param(1)}${before}
       ORDER BY seq DESC LIMIT ${Math.trunc(page.limit) + 1}`,
      parameters,
    );
    return { entries: rows.slice(0, page.limit).map(ledgerEntryOf), hasMore: rows.length > page.limit };
  }

  private async query<R = Record<string, unknown>>(sql: string, parameters: unknown[] = []): Promise<R[]> {
    return rowsOf<R>(await this.transactions.read(() => this.transactions.manager.query(sql, parameters)));
  }
}
