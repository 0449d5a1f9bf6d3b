import {
  CouponReservationRejectedV1,
  CouponReservedV1,
  PaymentRefundedV1,
  PaymentSucceededV1,
  PointsReservationRejectedV1,
  PointsReservedV1,
  orderContext,
  type EventEnvelope,
} from '@shop/contracts';
import { silentLogger } from '@shop/observability';
import { anEnvelope, capturingLogger, handledEvents, levelsAndMessages, recordingUseCase } from '@shop/testing';
import { describe, expect, it } from 'vitest';
import { orderEventControllers } from '../order.controllers.js';
import { AdvanceCheckoutOnCouponReserved } from './advance-checkout-on-coupon-reserved.controller.js';
import { AdvanceCheckoutOnPointsReserved } from './advance-checkout-on-points-reserved.controller.js';
import { CancelOrderOnCouponRejected } from './cancel-order-on-coupon-rejected.controller.js';
import { CancelOrderOnPointsRejected } from './cancel-order-on-points-rejected.controller.js';
import { MarkOrderPaidOnPaymentSucceeded } from './mark-order-paid-on-payment-succeeded.controller.js';
import { MarkOrderRefundedOnPaymentRefunded } from './mark-order-refunded-on-payment-refunded.controller.js';

const ids = { orderId: crypto.randomUUID(), userId: crypto.randomUUID(), couponId: crypto.randomUUID(), paymentId: crypto.randomUUID() };
/** The same ids as the uuid format also admits them: upper case. */
const shouted = Object.fromEntries(Object.entries(ids).map(([key, id]) => [key, id.toUpperCase()])) as typeof ids;
const at = new Date().toISOString();

const couponReserved = (given = ids) =>
  anEnvelope(CouponReservedV1.type, {
    payload: { orderId: given.orderId, couponId: given.couponId, userId: given.userId, discount: 500, reservedAt: at },
  }) as EventEnvelope<CouponReservedV1>;
const couponRejected = (given = ids) =>
  anEnvelope(CouponReservationRejectedV1.type, {
    payload: { orderId: given.orderId, couponId: given.couponId, userId: given.userId, reason: 'EXPIRED', rejectedAt: at },
  }) as EventEnvelope<CouponReservationRejectedV1>;
const pointsReserved = (given = ids) =>
  anEnvelope(PointsReservedV1.type, {
    payload: { orderId: given.orderId, userId: given.userId, points: 700, reservedAt: at },
  }) as EventEnvelope<PointsReservedV1>;
const pointsRejected = (given = ids) =>
  anEnvelope(PointsReservationRejectedV1.type, {
    payload: { orderId: given.orderId, userId: given.userId, points: 700, reason: 'INSUFFICIENT_POINTS', rejectedAt: at },
  }) as EventEnvelope<PointsReservationRejectedV1>;
const paymentSucceeded = (given = ids) =>
  anEnvelope(PaymentSucceededV1.type, {
    payload: { paymentId: given.paymentId, orderId: given.orderId, userId: given.userId, amount: 2_599, succeededAt: at },
  }) as EventEnvelope<PaymentSucceededV1>;
const paymentRefunded = (given = ids) =>
  anEnvelope(PaymentRefundedV1.type, {
    payload: { paymentId: given.paymentId, orderId: given.orderId, userId: given.userId, amount: 2_599, refundedAt: at },
  }) as EventEnvelope<PaymentRefundedV1>;

type Consumer = { handle(envelope: never): Promise<void> };
type ConsumerOf = (useCase: ReturnType<typeof recordingUseCase>, logger: ReturnType<typeof silentLogger>) => Consumer;

const coupon: ConsumerOf = (useCase, logger) => new AdvanceCheckoutOnCouponReserved(useCase as never, logger);
const couponNo: ConsumerOf = (useCase, logger) => new CancelOrderOnCouponRejected(useCase as never, logger);
const points: ConsumerOf = (useCase, logger) => new AdvanceCheckoutOnPointsReserved(useCase as never, logger);
const pointsNo: ConsumerOf = (useCase, logger) => new CancelOrderOnPointsRejected(useCase as never, logger);
const paid: ConsumerOf = (useCase, logger) => new MarkOrderPaidOnPaymentSucceeded(useCase as never, logger);
const refunded: ConsumerOf = (useCase, logger) => new MarkOrderRefundedOnPaymentRefunded(useCase as never, logger);

describe('the order context’s event consumers', () => {
  it('handle exactly the events the context subscribes to, each under its reaction’s name', () => {
    expect(Object.fromEntries(handledEvents(orderEventControllers))).toEqual({
      'coupon.reserved.v1': 'advance-checkout-on-coupon-reserved',
      'coupon.reservation-rejected.v1': 'cancel-order-on-coupon-rejected',
      'points.reserved.v1': 'advance-checkout-on-points-reserved',
      'points.reservation-rejected.v1': 'cancel-order-on-points-rejected',
      'payment.succeeded.v1': 'mark-order-paid-on-payment-succeeded',
      'payment.refunded.v1': 'mark-order-refunded-on-payment-refunded',
    });
    expect(
      handledEvents(orderEventControllers)
        .map(([type]) => type)
        .sort(),
    ).toEqual(orderContext.subscribes!.events.map((event) => event.type).sort());
  });

  describe('call their use case with the event’s figures and every id in its one spelling, lower case', () => {
    it.each<[string, ConsumerOf, (given: typeof ids) => EventEnvelope, unknown]>([
      ['a coupon reserved', coupon, couponReserved, { orderId: ids.orderId, reply: { kind: 'reserved', couponId: ids.couponId, discount: 500 } }],
      ['a coupon rejected', couponNo, couponRejected, { orderId: ids.orderId, reply: { kind: 'rejected', couponId: ids.couponId, reason: 'EXPIRED' } }],
      ['points reserved', points, pointsReserved, { orderId: ids.orderId, reply: { kind: 'reserved', points: 700 } }],
      ['points rejected', pointsNo, pointsRejected, { orderId: ids.orderId, reply: { kind: 'rejected', reason: 'INSUFFICIENT_POINTS' } }],
      ['a payment succeeded', paid, paymentSucceeded, { orderId: ids.orderId, paymentId: ids.paymentId, amount: 2_599 }],
      ['a payment refunded', refunded, paymentRefunded, { orderId: ids.orderId, paymentId: ids.paymentId, amount: 2_599 }],
    ])('%s', async (_case, consumer, envelope, command) => {
      const useCase = recordingUseCase({ outcome: 'duplicate' });
      await consumer(useCase, silentLogger()).handle(envelope(shouted) as never);
      expect(useCase.commands).toEqual([command]);
    });
  });

  describe('let a step that overtook its predecessor fail, so that the message is redelivered with the saga’s delays', () => {
    it.each<[string, ConsumerOf, () => EventEnvelope]>([
      ['a payment before the order awaits one', paid, () => paymentSucceeded()],
      ['a refund before its payment', refunded, () => paymentRefunded()],
      ['a reply when the store is broken', coupon, () => couponReserved()],
    ])('%s: thrown on as it is, logged once by the event consumer (not here)', async (_case, consumer, envelope) => {
      const { logger, lines } = capturingLogger({ service: 'order' });
      const failure = Object.assign(new Error('too early'), { code: 'ORDER_NOT_AWAITING_PAYMENT_YET' });
      await expect(consumer(recordingUseCase(failure), logger).handle(envelope() as never)).rejects.toBe(failure);
      expect(lines).toEqual([]);
    });
  });

  describe('log each outcome by what it means', () => {
    it.each<[string, ConsumerOf, () => EventEnvelope, unknown, string, RegExp]>([
      ['a coupon reply, points still out', coupon, () => couponReserved(), { outcome: 'awaiting-other', status: 'PENDING' }, 'info', /waits for its other/],
      ['the last reservation in', points, () => pointsReserved(), { outcome: 'awaiting-payment', status: 'AWAITING_PAYMENT' }, 'info', /awaits payment/],
      [
        'a reservation that cancels (POINTS_EXCEED_PAYABLE)',
        coupon,
        () => couponReserved(),
        { outcome: 'cancelled', status: 'CANCELLED' },
        'info',
        /cancelled/,
      ],
      ['a rejection', couponNo, () => couponRejected(), { outcome: 'cancelled', status: 'CANCELLED' }, 'info', /rejected: the order is cancelled/],
      ['a points rejection', pointsNo, () => pointsRejected(), { outcome: 'cancelled', status: 'CANCELLED' }, 'info', /rejected: the order is cancelled/],
      ['a late or repeated reply', points, () => pointsReserved(), { outcome: 'ignored', status: 'CANCELLED' }, 'info', /late or repeated.*nothing changed/],
      ['a reply for an order never placed here', couponNo, () => couponRejected(), { outcome: 'unknown-order' }, 'warn', /never placed here/],
      ['a payment', paid, () => paymentSucceeded(), { outcome: 'paid' }, 'info', /order is paid/],
      ['a payment seen before', paid, () => paymentSucceeded(), { outcome: 'duplicate' }, 'info', /again.*nothing changed/],
      [
        'a payment the order cannot keep',
        paid,
        () => paymentSucceeded(),
        { outcome: 'refund-requested', reason: 'LATE_PAYMENT', paymentDueAt: new Date(Date.parse(at) - 1), cancelReason: 'PAYMENT_TIMEOUT' },
        'warn',
        /cannot take it.*refund is requested/,
      ],
      ['a refund', refunded, () => paymentRefunded(), { outcome: 'refunded' }, 'info', /order is refunded/],
      ['a refund of a payment the order did not keep', refunded, () => paymentRefunded(), { outcome: 'stray-refunded' }, 'info', /did not keep.*unchanged/],
      ['a refund seen before', refunded, () => paymentRefunded(), { outcome: 'duplicate' }, 'info', /again.*nothing changed/],
    ])('%s', async (_case, consumer, envelope, result, level, message) => {
      const { logger, lines } = capturingLogger({ service: 'order' });
      await consumer(recordingUseCase(result), logger).handle(envelope() as never);
      expect(levelsAndMessages(lines)).toEqual([{ level, msg: expect.stringMatching(message) }]);
      expect(lines[0]).toMatchObject({ orderId: ids.orderId });
    });

    it.each<[string, ConsumerOf, () => EventEnvelope, { field: string; expected: unknown; received: unknown }]>([
      ['a coupon reserved', coupon, () => couponReserved(), { field: 'couponId', expected: crypto.randomUUID(), received: ids.couponId }],
      ['a coupon rejected', couponNo, () => couponRejected(), { field: 'couponId', expected: null, received: ids.couponId }],
      ['points reserved', points, () => pointsReserved(), { field: 'points', expected: 500, received: 700 }],
    ])('%s naming another coupon or other points than the order’s: an error naming both sides, not a failure', async (_case, consumer, envelope, mismatch) => {
      const { logger, lines } = capturingLogger({ service: 'order' });
      await consumer(recordingUseCase({ outcome: 'ignored', status: 'PENDING', mismatch }), logger).handle(envelope() as never);
      expect(lines).toEqual([
        expect.objectContaining({ level: 'error', msg: expect.stringMatching(/another .*disagree/), orderId: ids.orderId, status: 'PENDING', ...mismatch }),
      ]);
    });

    it('a refund of another amount than the payment’s: an error naming both amounts, not a failure', async () => {
      const { logger, lines } = capturingLogger({ service: 'order' });
      await refunded(recordingUseCase({ outcome: 'amount-mismatch', paymentAmount: 3_000 }), logger).handle(paymentRefunded() as never);
      expect(lines).toEqual([
        expect.objectContaining({
          level: 'error',
          msg: expect.stringMatching(/another amount.*unchanged/),
          orderId: ids.orderId,
          paymentId: ids.paymentId,
          amount: 2_599,
          paymentAmount: 3_000,
        }),
      ]);
    });

    it.each<[string, ConsumerOf, () => EventEnvelope]>([
      ['a payment', paid, () => paymentSucceeded()],
      ['a refund', refunded, () => paymentRefunded()],
    ])('%s recorded on another order: an error naming both orders, not a failure', async (_case, consumer, envelope) => {
      const { logger, lines } = capturingLogger({ service: 'order' });
      const ownerOrderId = crypto.randomUUID();
      await consumer(recordingUseCase({ outcome: 'foreign-payment', ownerOrderId }), logger).handle(envelope() as never);
      expect(lines).toEqual([
        expect.objectContaining({
          level: 'error',
          msg: expect.stringMatching(/recorded on another order: nothing changed/),
          orderId: ids.orderId,
          paymentId: ids.paymentId,
          ownerOrderId,
        }),
      ]);
    });

    it.each<[string, number, string | null]>([
      ['before the payment deadline', 60_000, 'PAYMENT_TIMEOUT'],
      ['exactly at the payment deadline', 0, 'PAYMENT_TIMEOUT'],
    ])('a LATE_PAYMENT taken in time (%s) of an order the deadline cancelled: an error saying so', async (_case, dueAfterMs, cancelReason) => {
      const { logger, lines } = capturingLogger({ service: 'order' });
      const paymentDueAt = new Date(Date.parse(at) + dueAfterMs);
      await paid(recordingUseCase({ outcome: 'refund-requested', reason: 'LATE_PAYMENT', paymentDueAt, cancelReason }), logger).handle(
        paymentSucceeded() as never,
      );
      expect(lines).toEqual([
        expect.objectContaining({
          level: 'error',
          msg: expect.stringMatching(/in time .*handled after the order was cancelled/),
          orderId: ids.orderId,
          paymentId: ids.paymentId,
          reason: 'LATE_PAYMENT',
          succeededAt: at,
          paymentDueAt: paymentDueAt.toISOString(),
          cancelReason,
        }),
      ]);
    });

    it('a LATE_PAYMENT after the customer cancelled (the cancel won the race): a warning, as any payment it cannot keep', async () => {
      const { logger, lines } = capturingLogger({ service: 'order' });
      const paymentDueAt = new Date(Date.parse(at) + 60_000);
      await paid(recordingUseCase({ outcome: 'refund-requested', reason: 'LATE_PAYMENT', paymentDueAt, cancelReason: 'CUSTOMER_CANCELLED' }), logger).handle(
        paymentSucceeded() as never,
      );
      expect(levelsAndMessages(lines)).toEqual([{ level: 'warn', msg: expect.stringMatching(/cannot take it/) }]);
    });

    it('a LATE_PAYMENT of an order that never awaited payment (no deadline): a warning, as any payment it cannot keep', async () => {
      const { logger, lines } = capturingLogger({ service: 'order' });
      await paid(
        recordingUseCase({ outcome: 'refund-requested', reason: 'LATE_PAYMENT', paymentDueAt: null, cancelReason: 'RESERVATION_TIMEOUT' }),
        logger,
      ).handle(paymentSucceeded() as never);
      expect(levelsAndMessages(lines)).toEqual([{ level: 'warn', msg: expect.stringMatching(/cannot take it/) }]);
    });

    it('a payment the order cannot keep names why', async () => {
      const { logger, lines } = capturingLogger({ service: 'order' });
      await paid(
        recordingUseCase({ outcome: 'refund-requested', reason: 'AMOUNT_MISMATCH', paymentDueAt: new Date(Date.parse(at) + 60_000), cancelReason: null }),
        logger,
      ).handle(paymentSucceeded() as never);
      expect(lines).toEqual([expect.objectContaining({ ...{ orderId: ids.orderId, paymentId: ids.paymentId }, amount: 2_599, reason: 'AMOUNT_MISMATCH' })]);
    });
  });
});
