import { OrderAwaitingPaymentV1, OrderCancelledV1, OrderPaidV1, OrderRefundRequestedV1, paymentContext, type EventEnvelope } from '@shop/contracts';
import { silentLogger } from '@shop/observability';
import { anEnvelope, capturingLogger, handledEvents, levelsAndMessages, recordingUseCase } from '@shop/testing';
import { describe, expect, it } from 'vitest';
import { paymentEventControllers } from '../payment.controllers.js';
import { ClosePaymentOnOrderCancelled } from './close-payment-on-order-cancelled.controller.js';
import { ClosePaymentOnOrderPaid } from './close-payment-on-order-paid.controller.js';
import { OpenPaymentOnOrderAwaitingPayment } from './open-payment-on-order-awaiting-payment.controller.js';
import { RefundPaymentOnRefundRequested } from './refund-payment-on-refund-requested.controller.js';

const ids = { orderId: crypto.randomUUID(), userId: crypto.randomUUID(), paymentId: crypto.randomUUID() };
/** The same ids as the uuid format also admits them: upper case. */
const shouted = Object.fromEntries(Object.entries(ids).map(([key, id]) => [key, id.toUpperCase()])) as typeof ids;
const at = new Date().toISOString();
const dueAt = new Date(Date.now() + 15 * 60_000).toISOString();

const awaitingPayment = (given = ids, payable = 2_599) =>
  anEnvelope(OrderAwaitingPaymentV1.type, {
    payload: {
      orderId: given.orderId,
      userId: given.userId,
      subtotal: 3_599,
      couponDiscount: 500,
      pointsUsed: 500,
      payable,
      paymentDueAt: dueAt,
      awaitingSince: at,
    },
  }) as EventEnvelope<OrderAwaitingPaymentV1>;
const cancelled = (given = ids) =>
  anEnvelope(OrderCancelledV1.type, {
    payload: { orderId: given.orderId, userId: given.userId, couponId: null, pointsToUse: 0, reason: 'CUSTOMER_CANCELLED', cancelledAt: at },
  }) as EventEnvelope<OrderCancelledV1>;
const paid = (given = ids) =>
  anEnvelope(OrderPaidV1.type, {
    payload: { orderId: given.orderId, userId: given.userId, couponId: null, pointsToUse: 0, amountPaid: 2_599, paidAt: at },
  }) as EventEnvelope<OrderPaidV1>;
const refundRequested = (given = ids) =>
  anEnvelope(OrderRefundRequestedV1.type, {
    payload: { orderId: given.orderId, userId: given.userId, paymentId: given.paymentId, amount: 2_599, reason: 'LATE_PAYMENT', requestedAt: at },
  }) as EventEnvelope<OrderRefundRequestedV1>;

type Consumer = { handle(envelope: never): Promise<void> };
type ConsumerOf = (useCase: ReturnType<typeof recordingUseCase>, logger: ReturnType<typeof silentLogger>) => Consumer;

const open: ConsumerOf = (useCase, logger) => new OpenPaymentOnOrderAwaitingPayment(useCase as never, logger);
const closeCancelled: ConsumerOf = (useCase, logger) => new ClosePaymentOnOrderCancelled(useCase as never, logger);
const closePaid: ConsumerOf = (useCase, logger) => new ClosePaymentOnOrderPaid(useCase as never, logger);
const refund: ConsumerOf = (useCase, logger) => new RefundPaymentOnRefundRequested(useCase as never, logger);

describe('the payment context’s event consumers', () => {
  it('handle exactly the events the context subscribes to, each under its reaction’s name (its inbox key)', () => {
    expect(Object.fromEntries(handledEvents(paymentEventControllers))).toEqual({
      'order.awaiting-payment.v1': 'open-payment-on-order-awaiting-payment',
      'order.cancelled.v1': 'close-payment-on-order-cancelled',
      'order.paid.v1': 'close-payment-on-order-paid',
      'order.refund-requested.v1': 'refund-payment-on-refund-requested',
    });
    expect(
      handledEvents(paymentEventControllers)
        .map(([type]) => type)
        .sort(),
    ).toEqual(paymentContext.subscribes!.events.map((event) => event.type).sort());
  });

  describe('call their use case with the event’s figures and every id in its one spelling, lower case', () => {
    it.each<[string, ConsumerOf, (given: typeof ids) => EventEnvelope, unknown, unknown]>([
      [
        'an order awaiting payment (its deadline as an instant)',
        open,
        awaitingPayment,
        'opened',
        { orderId: ids.orderId, userId: ids.userId, payable: 2_599, paymentDueAt: new Date(dueAt) },
      ],
      ['an order cancelled', closeCancelled, cancelled, 'closed', { orderId: ids.orderId, userId: ids.userId, closedAs: 'CANCELLED' }],
      ['an order paid', closePaid, paid, 'closed', { orderId: ids.orderId, userId: ids.userId, closedAs: 'PAID' }],
      [
        'a refund requested',
        refund,
        refundRequested,
        { outcome: 'requested' },
        { orderId: ids.orderId, paymentId: ids.paymentId, amount: 2_599, reason: 'LATE_PAYMENT' },
      ],
    ])('%s', async (_case, consumer, envelope, result, command) => {
      const useCase = recordingUseCase(result);
      await consumer(useCase, silentLogger()).handle(envelope(shouted) as never);
      expect(useCase.commands).toEqual([command]);
    });

    it('an order with nothing to pay is handed on as such: payable 0', async () => {
      const useCase = recordingUseCase('settled-free');
      await open(useCase, silentLogger()).handle(awaitingPayment(ids, 0) as never);
      expect(useCase.commands).toEqual([expect.objectContaining({ payable: 0 })]);
    });
  });

  it.each<[string, ConsumerOf, () => EventEnvelope]>([
    ['an awaiting when the store is broken', open, () => awaitingPayment()],
    ['a close when the store is broken', closeCancelled, () => cancelled()],
    ['a refund of a payment unknown here (retried, then dead-lettered)', refund, () => refundRequested()],
  ])('let %s fail: thrown on as it is, logged once by the event consumer (not here)', async (_case, consumer, envelope) => {
    const { logger, lines } = capturingLogger({ service: 'payment' });
    const failure = Object.assign(new Error('not now'), { code: 'PAYMENT_NOT_FOUND' });
    await expect(consumer(recordingUseCase(failure), logger).handle(envelope() as never)).rejects.toBe(failure);
    expect(lines).toEqual([]);
  });

  describe('log each outcome by what it means', () => {
    it.each<[string, ConsumerOf, () => EventEnvelope, unknown, string, RegExp]>([
      ['an order opened for payment', open, () => awaitingPayment(), 'opened', 'info', /may pay it/],
      ['an order paid at once by a payment of 0', open, () => awaitingPayment(ids, 0), 'settled-free', 'info', /payment of 0 succeeded/],
      ['an awaiting heard before', open, () => awaitingPayment(), 'duplicate', 'info', /again.*nothing changed/],
      ['an awaiting after the order was closed', open, () => awaitingPayment(), 'ignored', 'info', /cancelled or paid before.*nothing changed/],
      ['a cancellation', closeCancelled, () => cancelled(), 'closed', 'info', /order cancelled: it can no longer be paid/],
      [
        'a cancellation before the awaiting',
        closeCancelled,
        () => cancelled(),
        'closed-before-seen',
        'info',
        /order cancelled before .*late awaiting opens nothing/,
      ],
      ['a payment of the order elsewhere', closePaid, () => paid(), 'closed', 'info', /order paid: it can no longer be paid/],
      ['a repeated close', closePaid, () => paid(), 'unchanged', 'info', /order paid, but it was closed already: nothing changed/],
      ['a refund requested', refund, () => refundRequested(), { outcome: 'requested' }, 'info', /payment is refunding/],
      ['a refund requested again', refund, () => refundRequested(), { outcome: 'duplicate' }, 'info', /again.*nothing changed/],
    ])('%s', async (_case, consumer, envelope, result, level, message) => {
      const { logger, lines } = capturingLogger({ service: 'payment' });
      await consumer(recordingUseCase(result), logger).handle(envelope() as never);
      expect(levelsAndMessages(lines)).toEqual([{ level, msg: expect.stringMatching(message) }]);
      expect(lines[0]).toMatchObject({ orderId: ids.orderId });
    });

    it('a refund of another amount than the payment’s: an error naming both amounts, not a failure', async () => {
      const { logger, lines } = capturingLogger({ service: 'payment' });
      await refund(recordingUseCase({ outcome: 'amount-mismatch', paymentAmount: 3_000 }), logger).handle(refundRequested() as never);
      expect(lines).toEqual([
        expect.objectContaining({
          level: 'error',
          msg: expect.stringMatching(/another amount.*nothing changed/),
          orderId: ids.orderId,
          paymentId: ids.paymentId,
          amount: 2_599,
          paymentAmount: 3_000,
        }),
      ]);
    });

    it('a refund of a payment of another order: an error naming both orders, not a failure', async () => {
      const { logger, lines } = capturingLogger({ service: 'payment' });
      const paymentOrderId = crypto.randomUUID();
      await refund(recordingUseCase({ outcome: 'foreign-order', paymentOrderId }), logger).handle(refundRequested() as never);
      expect(lines).toEqual([
        expect.objectContaining({
          level: 'error',
          msg: expect.stringMatching(/another order: nothing changed/),
          orderId: ids.orderId,
          paymentId: ids.paymentId,
          paymentOrderId,
        }),
      ]);
    });
  });
});
