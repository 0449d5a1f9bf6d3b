import { canonicalId } from '@shop/shared-kernel';
import { orderViewOf, type OrderView } from '../order.presenters.js';
import type { OrderPage, OrderPageRequest, OrderQueries } from '../ports/order.queries.js';
import type { InMemoryOrderRepository } from './in-memory-order.repository.js';

/** The read side over the fake's stored rows, with the port's filters and order (placedAt, then orderId, descending). */
export class InMemoryOrderQueries implements OrderQueries {
  constructor(private readonly orders: InMemoryOrderRepository) {}

  async get(orderId: string, userId: string | null): Promise<OrderView | null> {
    const row = this.orders.rowOf(canonicalId(orderId));
    if (!row || (userId !== null && row.userId !== canonicalId(userId))) return null;
    return orderViewOf(row);
  }

  async listForUser(userId: string, page: OrderPageRequest): Promise<OrderPage> {
    const newerFirst = (a: { placedAt: Date; orderId: string }, b: { placedAt: Date; orderId: string }) =>
      b.placedAt.getTime() - a.placedAt.getTime() || (b.orderId < a.orderId ? -1 : b.orderId > a.orderId ? 1 : 0);
    const { after } = page;
    const rows = this.orders
      .snapshots()
      .filter((row) => row.userId === canonicalId(userId))
      .filter((row) => after === null || newerFirst(after, row) < 0)
      .sort(newerFirst);
    const shown = rows.slice(0, page.limit);
    const last = shown.at(-1);
    return { orders: shown.map(orderViewOf), next: rows.length > page.limit && last ? { placedAt: last.placedAt, orderId: last.orderId } : null };
  }
}
