import Type from 'typebox';
import { defineEvent, type PayloadOf } from '../envelope.js';

/** Why the coupon service refused to reserve an order's coupon; `ORDER_CANCELLED`: the order was cancelled before its placement was seen. */
export const COUPON_RESERVATION_REJECTION_REASONS = ['NOT_FOUND', 'NOT_OWNER', 'NOT_AVAILABLE', 'EXPIRED', 'BELOW_MIN_SPEND', 'ORDER_CANCELLED'] as const;
export type CouponReservationRejectionReason = (typeof COUPON_RESERVATION_REJECTION_REASONS)[number];

/** The coupon of a placed order is locked to it; `discount` (fen) is what the order takes off its subtotal. */
export const CouponReservedV1 = defineEvent(
  'coupon.reserved.v1',
  Type.Object(
    {
      orderId: Type.String({ format: 'uuid' }),
      couponId: Type.String({ format: 'uuid' }),
      userId: Type.String({ format: 'uuid' }),
      discount: Type.Integer({ minimum: 0, maximum: 1_000_000_000_000 }),
      reservedAt: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
);
export type CouponReservedV1 = PayloadOf<typeof CouponReservedV1>;

/** The coupon of a placed order cannot be used for it: the order is cancelled (saga compensation). */
export const CouponReservationRejectedV1 = defineEvent(
  'coupon.reservation-rejected.v1',
  Type.Object(
    {
      orderId: Type.String({ format: 'uuid' }),
      couponId: Type.String({ format: 'uuid' }),
      userId: Type.String({ format: 'uuid' }),
      reason: Type.Enum(COUPON_RESERVATION_REJECTION_REASONS),
      rejectedAt: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
);
export type CouponReservationRejectedV1 = PayloadOf<typeof CouponReservationRejectedV1>;
