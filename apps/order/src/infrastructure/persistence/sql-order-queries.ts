import { dialectOf, rowsOf, type TransactionHost } from '@shop/persistence';
import { isUuid } from '@shop/shared-kernel';
import { orderViewOf, type OrderView } from '../../application/order.presenters.js';
import type { OrderCursor, OrderPage, OrderPageRequest, OrderQueries } from '../../application/ports/order.queries.js';
import { ORDER_COLUMNS, snapshotsOf, type OrderRow } from './order.rows.js';

/**
 * The read side of orders, straight from the tables: no aggregate is loaded, no lock taken. Through
 * `TransactionHost.read`, so that on SQLite's one connection an answer never shows a transaction's
 * uncommitted writes. An order's row is read first, then its lines, history and payments (see `snapshotsOf`).
 */
export class SqlOrderQueries implements OrderQueries {
  constructor(private readonly transactions: TransactionHost) {}

  /** The order; with a `userId`, only if it is theirs (another customer's order is not found, as a missing one is). */
  async get(orderId: string, userId: string | null): Promise<OrderView | null> {
    if (!isUuid(orderId) || (userId !== null && !isUuid(userId))) return null;
    const { param } = dialectOf(this.transactions.kind);
    const parameters: unknown[] = [orderId.toLowerCase()];
    let owner = '';
    if (userId !== null) {
      parameters.push(userId.toLowerCase());
      owner = ` AND user_id = ${param(2)}`;
    }
    const [view] = await this.views(`SELECT ${ORDER_COLUMNS} FROM orders WHERE order_id = ${param(1)}${owner}`, parameters);
    return view ?? null;
  }

  /**
   * A customer's orders, newest first by (placedAt, orderId), after the cursor's order when given: on the
   * (user_id, placed_at DESC, order_id DESC) index. One more row than asked says whether a next page exists.
   */
  async listForUser(userId: string, page: OrderPageRequest): Promise<OrderPage> {
    if (!isUuid(userId)) return { orders: [], next: null };
    const { param } = dialectOf(this.transactions.kind);
    const parameters: unknown[] = [userId.toLowerCase()];
    let after = '';
    if (page.after !== null) {
      // Row values compare on both databases: strictly older, or as old with a smaller id.
      parameters.push(page.after.placedAt.getTime(), page.after.orderId.toLowerCase());
      after = ` AND (placed_at, order_id) < (${param(2)}, ${param(3)})`;
    }
    const limit = Math.trunc(page.limit);
    const views = await this.views(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE user_id = ${param(1)}${after} ORDER BY placed_at DESC, order_id DESC LIMIT ${limit + 1}`,
      parameters,
    );
    const orders = views.slice(0, limit);
    const last = orders.at(-1);
    const next: OrderCursor | null = views.length > limit && last ? { placedAt: new Date(last.placedAt), orderId: last.orderId } : null;
    return { orders, next };
  }

  private async views(sql: string, parameters: unknown[]): Promise<OrderView[]> {
    const query = async <R>(statement: string, values: unknown[] = []): Promise<R[]> => rowsOf<R>(await this.transactions.manager.query(statement, values));
    const snapshots = await this.transactions.read(async () => snapshotsOf(query, this.transactions.kind, await query<OrderRow>(sql, parameters)));
    return snapshots.map(orderViewOf);
  }
}
