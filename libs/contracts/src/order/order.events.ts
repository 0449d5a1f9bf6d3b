import { MAX_FEN } from '@shop/shared-kernel';
import Type from 'typebox';
import type { COUPON_RESERVATION_REJECTION_REASONS } from '../coupon/coupon.events.js';
import type { POINTS_RESERVATION_REJECTION_REASONS } from '../points/points.events.js';
import { defineEvent, type PayloadOf } from '../envelope.js';

// The order context's events (`orderContext.events`). The first four were defined ahead of it, for the
// coupon and points contexts that consume them: their payloads stay as they were (the consumers exist).
// order.awaiting-payment.v1 and order.refund-requested.v1 came with the order context (issue 11), for the
// payment context (issue 12).

/** Every status an order can be in (DESIGN.md section 5), as `GET /orders/{orderId}` answers it. */
export const ORDER_STATUSES = [
  'PENDING',
  'AWAITING_PAYMENT',
  'PAID',
  'ACCEPTED',
  'SHIPPED',
  'DELIVERED',
  'COMPLETED',
  'CANCELLED',
  'REFUNDING',
  'REFUNDED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * Why an order was cancelled: by its customer, a deadline, payable points beyond what is owed, or a
 * participant's rejection (`COUPON_` + the coupon's reason, `POINTS_` + the points' reason; a spec holds
 * these equal to the participants' lists). `order.cancelled.v1` carries it as a plain string, as it did
 * before this list existed.
 */
export const ORDER_CANCEL_REASONS = [
  'CUSTOMER_CANCELLED',
  'RESERVATION_TIMEOUT',
  'PAYMENT_TIMEOUT',
  'POINTS_EXCEED_PAYABLE',
  'COUPON_NOT_FOUND',
  'COUPON_NOT_OWNER',
  'COUPON_NOT_AVAILABLE',
  'COUPON_EXPIRED',
  'COUPON_BELOW_MIN_SPEND',
  'COUPON_ORDER_CANCELLED',
  'POINTS_INSUFFICIENT_POINTS',
  'POINTS_ORDER_CANCELLED',
] as const satisfies readonly (
  | 'CUSTOMER_CANCELLED'
  | 'RESERVATION_TIMEOUT'
  | 'PAYMENT_TIMEOUT'
  | 'POINTS_EXCEED_PAYABLE'
  | `COUPON_${(typeof COUPON_RESERVATION_REJECTION_REASONS)[number]}`
  | `POINTS_${(typeof POINTS_RESERVATION_REJECTION_REASONS)[number]}`
)[];
export type OrderCancelReason = (typeof ORDER_CANCEL_REASONS)[number];

/**
 * Why the order context asks the payment context for a refund: the customer asked; a payment arrived for
 * an order already cancelled; a second payment for an order already paid; a payment of another amount than
 * the payable.
 */
export const REFUND_REASONS = ['CUSTOMER_REQUEST', 'LATE_PAYMENT', 'DUPLICATE_PAYMENT', 'AMOUNT_MISMATCH'] as const;
export type RefundReason = (typeof REFUND_REASONS)[number];

/** Money is integer fen; `MAX_FEN` (a trillion) bounds every total the platform handles. */
const fen = () => Type.Integer({ minimum: 0, maximum: MAX_FEN });
const uuid = () => Type.String({ format: 'uuid' });
const instant = () => Type.String({ format: 'date-time' });
const couponId = () => Type.Union([uuid(), Type.Null()]);
const pointsToUse = () => Type.Integer({ minimum: 0, maximum: MAX_FEN });

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
      /** One of `ORDER_CANCEL_REASONS` from the order context; a string, so the list may grow without breaking consumers. */
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

/**
 * Every reservation the order waited for is in (or it needed none): the payment context may take
 * `payable` = `subtotal` − `couponDiscount` − `pointsUsed` (0 is allowed) until `paymentDueAt`.
 */
export const OrderAwaitingPaymentV1 = defineEvent(
  'order.awaiting-payment.v1',
  Type.Object(
    {
      orderId: uuid(),
      userId: uuid(),
      subtotal: fen(),
      couponDiscount: fen(),
      pointsUsed: pointsToUse(),
      payable: fen(),
      paymentDueAt: instant(),
      awaitingSince: instant(),
    },
    { additionalProperties: false },
  ),
);
export type OrderAwaitingPaymentV1 = PayloadOf<typeof OrderAwaitingPaymentV1>;

/** The order context asks the payment context to refund one payment of an order (`reason`: one of `REFUND_REASONS`). */
export const OrderRefundRequestedV1 = defineEvent(
  'order.refund-requested.v1',
  Type.Object(
    {
      orderId: uuid(),
      userId: uuid(),
      paymentId: uuid(),
      amount: fen(),
      reason: Type.Enum(REFUND_REASONS),
      requestedAt: instant(),
    },
    { additionalProperties: false },
  ),
);
export type OrderRefundRequestedV1 = PayloadOf<typeof OrderRefundRequestedV1>;
