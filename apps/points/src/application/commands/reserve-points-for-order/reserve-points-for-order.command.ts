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
  /**
   * The order's points were decided before (a redelivery): nothing changed, nothing announced again.
   * `agrees` is false when this placement names another user or amount than `recorded` (what was
   * decided): the order context disagrees (an order paid without points, then placed with some, gets no
   * answer at all).
   */
  | {
      readonly outcome: 'already-decided';
      readonly status: OrderPointsStatus;
      readonly agrees: boolean;
      readonly recorded: { readonly userId: string | null; readonly points: number };
    };
