import { OrderCancelledV1, OrderPaidV1, OrderPlacedV1, OrderRefundedV1, UserRegisteredV1, couponContext, type EventEnvelope } from '@shop/contracts';
import { silentLogger } from '@shop/observability';
import { anEnvelope, capturingLogger, handledEvents, levelsAndMessages, recordingUseCase } from '@shop/testing';
import { describe, expect, it } from 'vitest';
import { couponEventControllers } from '../coupon.controllers.js';
import { GrantWelcomeCouponsOnUserRegistered } from './grant-welcome-coupons-on-user-registered.controller.js';
import { ReleaseCouponOnOrderCancelled } from './release-coupon-on-order-cancelled.controller.js';
import { ReserveCouponOnOrderPlaced } from './reserve-coupon-on-order-placed.controller.js';
import { ReturnCouponOnOrderRefunded } from './return-coupon-on-order-refunded.controller.js';
import { UseCouponOnOrderPaid } from './use-coupon-on-order-paid.controller.js';

const ids = { orderId: crypto.randomUUID(), userId: crypto.randomUUID(), couponId: crypto.randomUUID() };
const at = new Date().toISOString();

const capturing = () => capturingLogger({ service: 'coupon', level: 'debug' });

describe('the coupon context’s event consumers', () => {
  it('handle exactly the events the context subscribes to, one named reaction each (the names key the inbox: they never change)', () => {
    expect(Object.fromEntries(handledEvents(couponEventControllers))).toEqual({
      'order.placed.v1': 'reserve-coupon-on-order-placed',
      'order.cancelled.v1': 'release-coupon-on-order-cancelled',
      'order.paid.v1': 'use-coupon-on-order-paid',
      'order.refunded.v1': 'return-coupon-on-order-refunded',
      'user.registered.v1': 'grant-welcome-coupons-on-user-registered',
    });
    expect(
      handledEvents(couponEventControllers)
        .map(([type]) => type)
        .sort(),
    ).toEqual(couponContext.subscribes!.events.map((event) => event.type).sort());
  });

  it('reserve with the order’s subtotal, and do nothing for an order without a coupon', async () => {
    const reserve = recordingUseCase({ outcome: 'reserved', discount: 500 } as const);
    const consumer = new ReserveCouponOnOrderPlaced(reserve as never, silentLogger());
    const placed = (couponId: string | null): EventEnvelope<OrderPlacedV1> =>
      anEnvelope(OrderPlacedV1.type, {
        payload: { ...ids, couponId, items: [{ sku: 'SKU-1', quantity: 2, unitPrice: 1500, lineTotal: 3000 }], subtotal: 3000, pointsToUse: 0, placedAt: at },
      });
    await consumer.handle(placed(null));
    expect(reserve.commands).toEqual([]);
    await consumer.handle(placed(ids.couponId));
    expect(reserve.commands).toEqual([{ orderId: ids.orderId, userId: ids.userId, couponId: ids.couponId, subtotal: 3000 }]);
  });

  it.each([
    ['release', OrderCancelledV1.type, { reason: 'PAYMENT_TIMEOUT', cancelledAt: at }, { outcome: 'released' }, ReleaseCouponOnOrderCancelled],
    ['confirm', OrderPaidV1.type, { amountPaid: 2500, paidAt: at }, { outcome: 'confirmed' }, UseCouponOnOrderPaid],
    ['return', OrderRefundedV1.type, { amountRefunded: 2500, refundedAt: at }, { outcome: 'returned', couponStatus: 'AVAILABLE' }, ReturnCouponOnOrderRefunded],
  ] as const)(
    '%s by order id, whatever the event’s couponId says (null included: a reserved coupon must not stay locked)',
    async (_step, type, fields, result, Consumer) => {
      const useCase = recordingUseCase(result);
      const consumer = new Consumer(useCase as never, silentLogger());
      const envelope = (couponId: string | null) => anEnvelope(type, { payload: { ...ids, couponId, pointsToUse: 0, ...fields } }) as EventEnvelope<never>;
      await consumer.handle(envelope(null));
      await consumer.handle(envelope(ids.couponId));
      await consumer.handle(envelope(crypto.randomUUID()));
      expect(useCase.commands).toEqual([{ orderId: ids.orderId }, { orderId: ids.orderId }, { orderId: ids.orderId }]);
    },
  );

  describe('take every id in its one spelling, lower case (the uuid format also admits upper case and urn:uuid:)', () => {
    const upper = { orderId: ids.orderId.toUpperCase(), userId: ids.userId.toUpperCase(), couponId: `urn:uuid:${ids.couponId.toUpperCase()}` };

    it('reserve', async () => {
      const reserve = recordingUseCase({ outcome: 'reserved', discount: 500 } as const);
      await new ReserveCouponOnOrderPlaced(reserve as never, silentLogger()).handle(
        anEnvelope(OrderPlacedV1.type, {
          payload: { ...upper, items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 3000, lineTotal: 3000 }], subtotal: 3000, pointsToUse: 0, placedAt: at },
        }) as EventEnvelope<OrderPlacedV1>,
      );
      expect(reserve.commands).toEqual([{ orderId: ids.orderId, userId: ids.userId, couponId: ids.couponId, subtotal: 3000 }]);
    });

    it.each([
      ['release', OrderCancelledV1.type, { reason: 'PAYMENT_TIMEOUT', cancelledAt: at }, { outcome: 'released' }, ReleaseCouponOnOrderCancelled],
      ['confirm', OrderPaidV1.type, { amountPaid: 2500, paidAt: at }, { outcome: 'confirmed' }, UseCouponOnOrderPaid],
      [
        'return',
        OrderRefundedV1.type,
        { amountRefunded: 2500, refundedAt: at },
        { outcome: 'returned', couponStatus: 'AVAILABLE' },
        ReturnCouponOnOrderRefunded,
      ],
    ] as const)('%s', async (_step, type, fields, result, Consumer) => {
      const useCase = recordingUseCase(result);
      await new Consumer(useCase as never, silentLogger()).handle(
        anEnvelope(type, { payload: { ...upper, pointsToUse: 0, ...fields } }) as EventEnvelope<never>,
      );
      expect(useCase.commands).toEqual([{ orderId: ids.orderId }]);
    });

    it('grant welcome coupons', async () => {
      const grant = recordingUseCase({ granted: [], skipped: [] });
      await new GrantWelcomeCouponsOnUserRegistered(grant as never, silentLogger()).handle(
        anEnvelope(UserRegisteredV1.type, { payload: { userId: upper.userId } }) as EventEnvelope<UserRegisteredV1>,
      );
      expect(grant.commands).toEqual([{ userId: ids.userId }]);
    });
  });

  describe('log a step that changed nothing by what it means', () => {
    const paid = anEnvelope(OrderPaidV1.type, { payload: { ...ids, pointsToUse: 0, amountPaid: 2500, paidAt: at } }) as EventEnvelope<OrderPaidV1>;
    const refunded = anEnvelope(OrderRefundedV1.type, {
      payload: { ...ids, pointsToUse: 0, amountRefunded: 2500, refundedAt: at },
    }) as EventEnvelope<OrderRefundedV1>;

    it.each([
      ['CONFIRMED', 'info', /already/],
      ['REFUNDED', 'info', /already/],
      [null, 'warn', /no coupon is reserved/],
      ['RELEASED', 'warn', /no coupon is reserved/],
      ['REJECTED', 'warn', /no coupon is reserved/],
      ['CANCELLED_UNSEEN', 'warn', /no coupon is reserved/],
    ] as const)('a payment finding the reservation %s: %s', async (status, level, message) => {
      const { logger, lines } = capturing();
      await new UseCouponOnOrderPaid(recordingUseCase({ outcome: 'ignored', status }) as never, logger).handle(paid);
      expect(levelsAndMessages(lines)).toEqual([{ level, msg: expect.stringMatching(message) }]);
    });

    it.each([
      ['REFUNDED', 'info', /already/],
      [null, 'warn', /not used by it/],
      ['RELEASED', 'warn', /not used by it/],
      ['REJECTED', 'warn', /not used by it/],
      ['CANCELLED_UNSEEN', 'warn', /not used by it/],
    ] as const)('a refund finding the reservation %s: %s', async (status, level, message) => {
      const { logger, lines } = capturing();
      await new ReturnCouponOnOrderRefunded(recordingUseCase({ outcome: 'ignored', status }) as never, logger).handle(refunded);
      expect(levelsAndMessages(lines)).toEqual([{ level, msg: expect.stringMatching(message) }]);
    });

    const cancelled = (couponId: string | null) =>
      anEnvelope(OrderCancelledV1.type, {
        payload: { ...ids, couponId, pointsToUse: 0, reason: 'PAYMENT_TIMEOUT', cancelledAt: at },
      }) as EventEnvelope<OrderCancelledV1>;
    const withoutCoupon = <T>(envelope: EventEnvelope<T>) => ({ ...envelope, payload: { ...envelope.payload, couponId: null } });

    it.each([
      ['paid', 'CONFIRMED: info', 'CONFIRMED', 'info'],
      ['paid', 'none: debug', null, 'debug'],
      ['paid', 'REJECTED: debug', 'REJECTED', 'debug'],
      ['refunded', 'REFUNDED: info', 'REFUNDED', 'info'],
      ['refunded', 'none: debug', null, 'debug'],
      ['refunded', 'RELEASED: debug', 'RELEASED', 'debug'],
    ] as const)('an order %s without a coupon, finding the reservation %s (most orders have no coupon)', async (step, _, status, level) => {
      const { logger, lines } = capturing();
      if (step === 'paid') await new UseCouponOnOrderPaid(recordingUseCase({ outcome: 'ignored', status }) as never, logger).handle(withoutCoupon(paid));
      else await new ReturnCouponOnOrderRefunded(recordingUseCase({ outcome: 'ignored', status }) as never, logger).handle(withoutCoupon(refunded));
      expect(lines.map((line) => line.level)).toEqual([level]);
    });

    it('a cancellation without a coupon: its tombstone and a repeat at debug; with a coupon at info', async () => {
      const { logger, lines } = capturing();
      await new ReleaseCouponOnOrderCancelled(recordingUseCase({ outcome: 'tombstoned' }) as never, logger).handle(cancelled(null));
      await new ReleaseCouponOnOrderCancelled(recordingUseCase({ outcome: 'nothing-to-release', status: 'CANCELLED_UNSEEN' }) as never, logger).handle(
        cancelled(null),
      );
      await new ReleaseCouponOnOrderCancelled(recordingUseCase({ outcome: 'tombstoned' }) as never, logger).handle(cancelled(ids.couponId));
      expect(levelsAndMessages(lines)).toEqual([
        { level: 'debug', msg: expect.stringMatching(/tombstone/) },
        { level: 'debug', msg: expect.stringMatching(/nothing to release/) },
        { level: 'info', msg: expect.stringMatching(/tombstone/) },
      ]);
    });

    it('an event naming no coupon for an order that held one: done, and a warning (the two sides disagree)', async () => {
      const { logger, lines } = capturing();
      await new ReleaseCouponOnOrderCancelled(recordingUseCase({ outcome: 'released' }) as never, logger).handle(cancelled(null));
      await new UseCouponOnOrderPaid(recordingUseCase({ outcome: 'confirmed' }) as never, logger).handle(withoutCoupon(paid));
      await new ReturnCouponOnOrderRefunded(recordingUseCase({ outcome: 'returned', couponStatus: 'AVAILABLE' }) as never, logger).handle(
        withoutCoupon(refunded),
      );
      expect(levelsAndMessages(lines)).toEqual([
        { level: 'warn', msg: expect.stringMatching(/naming no coupon.*released/) },
        { level: 'warn', msg: expect.stringMatching(/naming no coupon.*confirmed/) },
        { level: 'warn', msg: expect.stringMatching(/naming no coupon.*returned/) },
      ]);
    });

    it('a confirmed use and a returned coupon: nothing to warn about', async () => {
      const { logger, lines } = capturing();
      await new UseCouponOnOrderPaid(recordingUseCase({ outcome: 'confirmed' }) as never, logger).handle(paid);
      await new ReturnCouponOnOrderRefunded(recordingUseCase({ outcome: 'returned', couponStatus: 'AVAILABLE' }) as never, logger).handle(refunded);
      expect(lines.map((line) => line.level)).not.toContain('warn');
    });
  });
});
