import Type from 'typebox';
import { defineEvent, type PayloadOf } from '../envelope.js';

/** Why the points service refused to freeze an order's points; `ORDER_CANCELLED`: the order was cancelled before its placement was seen. */
export const POINTS_RESERVATION_REJECTION_REASONS = ['INSUFFICIENT_POINTS', 'ORDER_CANCELLED'] as const;
export type PointsReservationRejectionReason = (typeof POINTS_RESERVATION_REJECTION_REASONS)[number];

/** A trillion points bounds every amount, as a trillion fen bounds every order total. */
const MAX_POINTS = 1_000_000_000_000;
const uuid = () => Type.String({ format: 'uuid' });
const instant = () => Type.String({ format: 'date-time' });

/** The points a placed order asked for are frozen for it; `points` (1 point = 1 fen) is what the order takes off its subtotal. */
export const PointsReservedV1 = defineEvent(
  'points.reserved.v1',
  Type.Object(
    {
      orderId: uuid(),
      userId: uuid(),
      points: Type.Integer({ minimum: 1, maximum: MAX_POINTS }),
      reservedAt: instant(),
    },
    { additionalProperties: false },
  ),
);
export type PointsReservedV1 = PayloadOf<typeof PointsReservedV1>;

/** The points a placed order asked for cannot be used for it (`points`: how many it asked): the order is cancelled (saga compensation). */
export const PointsReservationRejectedV1 = defineEvent(
  'points.reservation-rejected.v1',
  Type.Object(
    {
      orderId: uuid(),
      userId: uuid(),
      points: Type.Integer({ minimum: 1, maximum: MAX_POINTS }),
      reason: Type.Enum(POINTS_RESERVATION_REJECTION_REASONS),
      rejectedAt: instant(),
    },
    { additionalProperties: false },
  ),
);
export type PointsReservationRejectedV1 = PayloadOf<typeof PointsReservationRejectedV1>;
