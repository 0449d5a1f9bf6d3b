import Type from 'typebox';
import { defineEvent, type PayloadOf } from '../envelope.js';

// Defined ahead of the order context (issue 11 publishes them): the coupon context consumes them already
// (`AWAITED_EVENTS` in ../contexts.ts until the order context is registered).

/** Money is integer fen; a trillion fen bounds every total the platform handles. */
const fen = () => Type.Integer({ minimum: 0, maximum: 1_000_000_000_000 });
const uuid = () => Type.String({ format: 'uuid' });
const instant = () => Type.String({ format: 'date-time' });
const couponId = () => Type.Union([uuid(), Type.Null()]);
const pointsToUse = () => Type.Integer({ minimum: 0, maximum: 1_000_000_000_000 });

/** A customer placed an order (status PENDING): the saga's participants try their part (DESIGN.md section 6). */
export const OrderPlacedV1 = defineEvent(
  'order.placed.v1',
  Type.Object(
    {
      orderId: uuid(),
      userId: uuid(),
      items: Type.Array(
        Type.Object(
          {
            sku: Type.String({ minLength: 1, maxLength: 64 }),
            quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
            unitPrice: fen(),
            lineTotal: fen(),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: 50 },
      ),
      subtotal: fen(),
      couponId: couponId(),
      pointsToUse: pointsToUse(),
      placedAt: instant(),
    },
    { additionalProperties: false },
  ),
);
export type OrderPlacedV1 = PayloadOf<typeof OrderPlacedV1>;

/** An order was cancelled (by the customer, a rejected reservation, or its payment deadline): participants release what they hold. */
export const OrderCancelledV1 = defineEvent(
  'order.cancelled.v1',
  Type.Object(
    {
      orderId: uuid(),
      userId: uuid(),
      couponId: couponId(),
      pointsToUse: pointsToUse(),
      /** A code such as `COUPON_REJECTED` or `PAYMENT_TIMEOUT`. */
      reason: Type.String({ minLength: 1, maxLength: 64 }),
      cancelledAt: instant(),
    },
    { additionalProperties: false },
  ),
);
export type OrderCancelledV1 = PayloadOf<typeof OrderCancelledV1>;

/** An order was paid: participants confirm what they reserved. */
export const OrderPaidV1 = defineEvent(
  'order.paid.v1',
  Type.Object(
    {
      orderId: uuid(),
      userId: uuid(),
      couponId: couponId(),
      pointsToUse: pointsToUse(),
      amountPaid: fen(),
      paidAt: instant(),
    },
    { additionalProperties: false },
  ),
);
export type OrderPaidV1 = PayloadOf<typeof OrderPaidV1>;

/** A paid order was refunded: participants give back what the order used. */
export const OrderRefundedV1 = defineEvent(
  'order.refunded.v1',
  Type.Object(
    {
      orderId: uuid(),
      userId: uuid(),
      couponId: couponId(),
      pointsToUse: pointsToUse(),
      amountRefunded: fen(),
      refundedAt: instant(),
    },
    { additionalProperties: false },
  ),
);
export type OrderRefundedV1 = PayloadOf<typeof OrderRefundedV1>;
