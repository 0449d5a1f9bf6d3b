import type { OrderView } from '../order.presenters.js';

/** Where a page of orders ends: the last order's (placedAt, orderId), the keys it is ordered by. */
export interface OrderCursor {
  readonly placedAt: Date;
  readonly orderId: string;
}

export interface OrderPageRequest {
  /** Only orders older than this one (placedAt, then orderId, descending); null for the newest. */
  readonly after: OrderCursor | null;
  readonly limit: number;
}

export interface OrderPage {
  /** Newest first, at most `limit`. */
  readonly orders: OrderView[];
  /** The cursor of the next page, null on the last. */
  readonly next: OrderCursor | null;
}

/** The read side of orders: answers straight from the store. */
export interface OrderQueries {
  /** The order; with a `userId`, only if it is theirs (another's is null, as a missing one). */
  get(orderId: string, userId: string | null): Promise<OrderView | null>;
  listForUser(userId: string, page: OrderPageRequest): Promise<OrderPage>;
}
