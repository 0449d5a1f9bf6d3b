import type { OrderPointsStatus, PointsReservationRejectionReason } from '../../../domain/order-points.js';

/** The saga's *try*, from `order.placed.v1` with `pointsToUse > 0`. */
export interface ReservePointsForOrderCommand {
  readonly orderId: string;
  readonly userId: string;
  /** The points the order wants to use (`pointsToUse`), at least 1. */
  readonly points: number;
}

export type ReservePointsForOrderResult =
  | { readonly outcome: 'reserved'; readonly points: number }
  | { readonly outcome: 'rejected'; readonly reason: PointsReservationRejectionReason }
  /** The order's points were decided before (a redelivery): nothing changed, nothing announced again. */
  | { readonly outcome: 'already-decided'; readonly status: OrderPointsStatus };
