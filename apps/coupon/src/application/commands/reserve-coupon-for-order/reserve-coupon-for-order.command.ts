import type { CouponReservationStatus } from '../../../domain/coupon-reservation.js';
import type { ReservationRejectionReason } from '../../../domain/coupon.errors.js';

/** The saga's *try*, from `order.placed.v1` with a coupon. */
export interface ReserveCouponForOrderCommand {
  readonly orderId: string;
  readonly userId: string;
  readonly couponId: string;
  /** Fen. */
  readonly subtotal: number;
}

export type ReserveCouponForOrderResult =
  | { readonly outcome: 'reserved'; readonly discount: number }
  | { readonly outcome: 'rejected'; readonly reason: ReservationRejectionReason }
  /** The order's reservation was decided before (a redelivery): nothing changed, nothing announced again. */
  | { readonly outcome: 'already-decided'; readonly status: CouponReservationStatus };
