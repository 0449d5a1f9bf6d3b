import { MAX_FEN } from '@shop/shared-kernel';
import Type from 'typebox';
import { defineEvent, type PayloadOf } from '../envelope.js';

// What the payment context publishes (DESIGN.md sections 5 and 6). The order context consumes the success and
// the refund; a failure is for whoever follows payments (the order waits for another attempt or its deadline).

/** Money is integer fen; `MAX_FEN` (a trillion) bounds every total the platform handles. */
const fen = () => Type.Integer({ minimum: 0, maximum: MAX_FEN });
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

/**
 * Why a payment failed: the provider `DECLINED` it; it `EXPIRED` (cancelled by reconciliation: pending too
 * long, unknown to the provider, or its order cancelled or paid); or its creation at the provider failed,
 * was refused or did not answer in time (`PROVIDER_ERROR`).
 */
export const PAYMENT_FAILURE_REASONS = ['DECLINED', 'EXPIRED', 'PROVIDER_ERROR'] as const;
export type PaymentFailureReason = (typeof PAYMENT_FAILURE_REASONS)[number];

/** A payment attempt of an order failed: nothing was captured, and the customer may start another one while the order awaits payment. */
export const PaymentFailedV1 = defineEvent(
  'payment.failed.v1',
  Type.Object(
    {
      paymentId: uuid(),
      orderId: uuid(),
      userId: uuid(),
      amount: fen(),
      reason: Type.Enum(PAYMENT_FAILURE_REASONS),
      failedAt: instant(),
    },
    { additionalProperties: false },
  ),
);
export type PaymentFailedV1 = PayloadOf<typeof PaymentFailedV1>;

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
