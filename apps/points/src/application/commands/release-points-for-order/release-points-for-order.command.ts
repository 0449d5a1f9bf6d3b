import type { OrderPointsStatus } from '../../../domain/order-points.js';

/** The saga's *cancel*, from `order.cancelled.v1` with `pointsToUse > 0` (the order's points are found by order id). */
export interface ReleasePointsForOrderCommand {
  readonly orderId: string;
}

export type ReleasePointsForOrderResult =
  /** The frozen points are available again. */
  | { readonly outcome: 'released'; readonly points: number }
  /** No placement seen yet: a tombstone now refuses it, should it still come (an empty rollback). */
  | { readonly outcome: 'tombstoned' }
  /** Nothing frozen for the order (rejected, released or tombstoned already; or paid, past cancelling): no change. */
  | { readonly outcome: 'nothing-to-release'; readonly status: OrderPointsStatus };
