import type { OrderView } from '../../order.presenters.js';

export interface ListMyOrdersQuery {
  /** The signed-in customer, as the gateway vouches for. */
  readonly userId: string;
  /** The `nextCursor` of the page before; null for the newest orders. */
  readonly cursor: string | null;
  /** 1–100 (`ORDER_LIST_LIMIT`), default 20. */
  readonly limit?: number;
}

export interface ListMyOrdersResult {
  /** Newest first (placedAt, then orderId, descending). */
  readonly orders: OrderView[];
  /** The cursor of the next (older) page; null on the last page. */
  readonly nextCursor: string | null;
}
