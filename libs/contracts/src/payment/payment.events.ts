import Type from 'typebox';
import { defineEvent, type PayloadOf } from '../envelope.js';

// Defined ahead of the payment context (issue 12 publishes them): the order context consumes them already
// (`AWAITED_EVENTS` in ../awaited-events.ts until the payment context is registered).

/** Money is integer fen; a trillion fen bounds every total the platform handles. */
const fen = () => Type.Integer({ minimum: 0, maximum: 1_000_000_000_000 });
const uuid = () => Type.String({ format: 'uuid' });
const instant = () => Type.String({ format: 'date-time' });

/** A payment of an order was captured: the order becomes PAID (or, when it no longer wants one, asks for a refund). */
export const PaymentSucceededV1 = defineEvent(
  'payment.succeeded.v1',
  Type.Object(
    {
      paymentId: uuid(),
      orderId: uuid(),
      userId: uuid(),
      amount: fen(),
      succeededAt: instant(),
    },
    { additionalProperties: false },
  ),
);
export type PaymentSucceededV1 = PayloadOf<typeof PaymentSucceededV1>;

/** A captured payment was given back to the customer: the order it paid becomes REFUNDED (when it was that order's payment). */
export const PaymentRefundedV1 = defineEvent(
  'payment.refunded.v1',
  Type.Object(
    {
      paymentId: uuid(),
      orderId: uuid(),
      userId: uuid(),
      amount: fen(),
      refundedAt: instant(),
    },
    { additionalProperties: false },
  ),
);
export type PaymentRefundedV1 = PayloadOf<typeof PaymentRefundedV1>;
