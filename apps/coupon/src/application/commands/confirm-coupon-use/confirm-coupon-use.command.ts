import type { CouponReservationStatus } from '../../../domain/coupon-reservation.js';

/** The saga's *confirm*, from every `order.paid.v1`, whatever its `couponId` says (the reservation is found by order id). */
export interface ConfirmCouponUseCommand {
  readonly orderId: string;
}

export type ConfirmCouponUseResult =
  | { readonly outcome: 'confirmed' }
  /** Nothing reserved for the order (none, or confirmed, refunded, released, rejected already): no change; worth a log line. */
  | { readonly outcome: 'ignored'; readonly status: CouponReservationStatus | null };
