import { Inject, Injectable } from '@nestjs/common';
import { ORDER_LIST_LIMIT } from '@shop/contracts';
import { pageLimit } from '@shop/shared-kernel';
import { ORDER_QUERIES } from '../../order.di-tokens.js';
import type { OrderQueries } from '../../ports/order.queries.js';
import { decodeOrderCursor, encodeOrderCursor } from '../page-cursors.js';
import type { ListMyOrdersQuery, ListMyOrdersResult } from './list-my-orders.query.js';

/** The customer's orders, newest first, a page at a time (keyset paging: stable while orders are placed). */
@Injectable()
export class ListMyOrdersHandler {
  constructor(@Inject(ORDER_QUERIES) private readonly queries: OrderQueries) {}

  async execute(query: ListMyOrdersQuery): Promise<ListMyOrdersResult> {
    const limit = pageLimit(query.limit, ORDER_LIST_LIMIT);
    const after = query.cursor === null ? null : decodeOrderCursor(query.cursor);
    const page = await this.queries.listForUser(query.userId, { after, limit });
    return { orders: page.orders, nextCursor: page.next === null ? null : encodeOrderCursor(page.next) };
  }
}
