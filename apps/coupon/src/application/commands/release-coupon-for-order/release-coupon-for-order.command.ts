import type { CouponReservationStatus } from '../../../domain/coupon-reservation.js';

/** The saga's *cancel*, from every `order.cancelled.v1`, whatever its `couponId` says (the reservation is found by order id). */
export interface ReleaseCouponForOrderCommand {
  readonly orderId: string;
}

export type ReleaseCouponForOrderResult =
  | { readonly outcome: 'released' }
  /** No reservation seen yet: a tombstone now refuses the placement, should it still come. */
  | { readonly outcome: 'tombstoned' }
  /** Nothing held for the order (rejected, released or tombstoned already; or past cancelling): no change. */
  | { readonly outcome: 'nothing-to-release'; readonly status: CouponReservationStatus };
