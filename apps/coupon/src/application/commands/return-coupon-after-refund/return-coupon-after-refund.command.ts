import type { CouponReservationStatus } from '../../../domain/coupon-reservation.js';

/** From every `order.refunded.v1`, whatever its `couponId` says (the reservation is found by order id). */
export interface ReturnCouponAfterRefundCommand {
  readonly orderId: string;
}

export type ReturnCouponAfterRefundResult =
  /** The coupon is back with its owner: AVAILABLE while still valid, else EXPIRED. */
  | { readonly outcome: 'returned'; readonly couponStatus: 'AVAILABLE' | 'EXPIRED' }
  /** Nothing used by the order (none, refunded already, released, rejected): no change; worth a log line. */
  | { readonly outcome: 'ignored'; readonly status: CouponReservationStatus | null };
