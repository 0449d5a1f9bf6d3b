import type { OrderPointsStatus } from '../../../domain/order-points.js';
import type { Disagreement } from '../disagreement.js';

/** The saga's *cancel*, from every `order.cancelled.v1` (the order's points are found by order id). */
export interface ReleasePointsForOrderCommand {
  readonly orderId: string;
  /** What the cancellation says the order used: > 0 leaves a tombstone for an order not seen yet. */
  readonly pointsToUse: number;
}

export type ReleasePointsForOrderResult =
  /** The frozen points are available again. */
  | { readonly outcome: 'released'; readonly points: number }
  /** No placement seen yet: a tombstone now refuses it, should it still come (an empty rollback). */
  | { readonly outcome: 'tombstoned' }
  /** Never seen, and it used no points: nothing held, and no tombstone needed (its placement freezes nothing). */
  | { readonly outcome: 'not-seen' }
  /** Nothing frozen for the order (rejected, released or tombstoned already): no change. */
  | { readonly outcome: 'nothing-to-release'; readonly status: OrderPointsStatus }
  /** Paid or refunded already, so past cancelling: the order and points contexts disagree, nothing changed. */
  | Disagreement;
