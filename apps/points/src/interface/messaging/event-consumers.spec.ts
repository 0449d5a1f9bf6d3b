import { OrderCancelledV1, OrderPaidV1, OrderPlacedV1, OrderRefundedV1, UserRegisteredV1, pointsContext, type EventEnvelope } from '@shop/contracts';
import { silentLogger, type Logger } from '@shop/observability';
import { anEnvelope, capturingLogger, handledEvents, levelsAndMessages, recordingUseCase } from '@shop/testing';
import { describe, expect, it } from 'vitest';
import { SagaStepOutOfOrderError } from '../../application/saga-step-out-of-order.error.js';
import { pointsEventControllers } from '../points.controllers.js';
import { ConfirmPointsOnOrderPaid } from './confirm-points-on-order-paid.controller.js';
import { GrantSignupBonusOnUserRegistered } from './grant-signup-bonus-on-user-registered.controller.js';
import { ReleasePointsOnOrderCancelled } from './release-points-on-order-cancelled.controller.js';
import { ReservePointsOnOrderPlaced } from './reserve-points-on-order-placed.controller.js';
import { ReturnPointsOnOrderRefunded } from './return-points-on-order-refunded.controller.js';

const ids: { orderId: string; userId: string } = { orderId: crypto.randomUUID(), userId: crypto.randomUUID() };
/** The same ids as the uuid format also admits them: upper case, and as a URN. */
const shouted = { orderId: `urn:uuid:${ids.orderId.toUpperCase()}`, userId: ids.userId.toUpperCase() };
const at = new Date().toISOString();

const placed = (pointsToUse: number, payloadIds = ids) =>
  anEnvelope(OrderPlacedV1.type, {
    payload: {
      ...payloadIds,
      couponId: null,
      items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 3000, lineTotal: 3000 }],
      subtotal: 3000,
      pointsToUse,
      placedAt: at,
    },
  }) as EventEnvelope<OrderPlacedV1>;
const cancelled = (pointsToUse: number, payloadIds = ids) =>
  anEnvelope(OrderCancelledV1.type, {
    payload: { ...payloadIds, couponId: null, pointsToUse, reason: 'PAYMENT_TIMEOUT', cancelledAt: at },
  }) as EventEnvelope<OrderCancelledV1>;
const paid = (pointsToUse: number, payloadIds = ids) =>
  anEnvelope(OrderPaidV1.type, { payload: { ...payloadIds, couponId: null, pointsToUse, amountPaid: 2599, paidAt: at } }) as EventEnvelope<OrderPaidV1>;
const refunded = (pointsToUse: number, payloadIds = ids) =>
  anEnvelope(OrderRefundedV1.type, {
    payload: { ...payloadIds, couponId: null, pointsToUse, amountRefunded: 2599, refundedAt: at },
  }) as EventEnvelope<OrderRefundedV1>;
const registered = (userId: string) => anEnvelope(UserRegisteredV1.type, { payload: { userId } }) as EventEnvelope<UserRegisteredV1>;

describe('the points context’s event consumers', () => {
  it('handle exactly the events the context subscribes to, one named reaction each (the names key the inbox: they never change)', () => {
    expect(Object.fromEntries(handledEvents(pointsEventControllers))).toEqual({
      'user.registered.v1': 'grant-signup-bonus-on-user-registered',
      'order.placed.v1': 'reserve-points-on-order-placed',
      'order.cancelled.v1': 'release-points-on-order-cancelled',
      'order.paid.v1': 'confirm-points-on-order-paid',
      'order.refunded.v1': 'return-points-on-order-refunded',
    });
    expect(
      handledEvents(pointsEventControllers)
        .map(([type]) => type)
        .sort(),
    ).toEqual(pointsContext.subscribes!.events.map((event) => event.type).sort());
  });

  describe('call their use case with the event’s figures and every id in its one spelling, lower case', () => {
    it('reserve the points the order wants to use; an order using none reserves nothing', async () => {
      const reserve = recordingUseCase({ outcome: 'reserved', points: 700 });
      const consumer = new ReservePointsOnOrderPlaced(reserve as never, silentLogger());
      await consumer.handle(placed(0));
      expect(reserve.commands).toEqual([]);
      await consumer.handle(placed(700, shouted));
      expect(reserve.commands).toEqual([{ ...ids, points: 700 }]);
    });

    it('release by order id on every cancellation, with or without points (points frozen for the order are released whatever it says)', async () => {
      const release = recordingUseCase({ outcome: 'released', points: 700 });
      const consumer = new ReleasePointsOnOrderCancelled(release as never, silentLogger());
      await consumer.handle(cancelled(0));
      await consumer.handle(cancelled(700, shouted));
      expect(release.commands).toEqual([
        { orderId: ids.orderId, pointsToUse: 0 },
        { orderId: ids.orderId, pointsToUse: 700 },
      ]);
    });

    it('confirm every payment, with or without points (an order that used none still earns)', async () => {
      const confirm = recordingUseCase({ outcome: 'confirmed', spent: 0, earned: 25 });
      const consumer = new ConfirmPointsOnOrderPaid(confirm as never, silentLogger());
      await consumer.handle(paid(0));
      await consumer.handle(paid(700, shouted));
      expect(confirm.commands).toEqual([
        { ...ids, pointsToUse: 0, amountPaid: 2599 },
        { ...ids, pointsToUse: 700, amountPaid: 2599 },
      ]);
    });

    it('return on every refund, with or without points (earned points are clawed back either way)', async () => {
      const returnPoints = recordingUseCase({ outcome: 'returned', returned: 0, clawedBack: 25, debt: 0 });
      const consumer = new ReturnPointsOnOrderRefunded(returnPoints as never, silentLogger());
      await consumer.handle(refunded(0));
      await consumer.handle(refunded(700, shouted));
      expect(returnPoints.commands).toEqual([
        { ...ids, pointsToUse: 0 },
        { ...ids, pointsToUse: 700 },
      ]);
    });

    it('grant the sign-up bonus to the registered user', async () => {
      const grant = recordingUseCase({ outcome: 'granted', points: 100 });
      await new GrantSignupBonusOnUserRegistered(grant as never, silentLogger()).handle(registered(shouted.userId));
      expect(grant.commands).toEqual([{ userId: ids.userId }]);
    });
  });

  describe('let a step that overtook its predecessor fail, so that the message is redelivered', () => {
    it.each([
      [
        'a payment before its placement',
        (logger: Logger) => new ConfirmPointsOnOrderPaid(recordingUseCase(tooEarly('order.paid.v1')) as never, logger),
        paid(700),
      ],
      [
        'a refund before its payment',
        (logger: Logger) => new ReturnPointsOnOrderRefunded(recordingUseCase(tooEarly('order.refunded.v1')) as never, logger),
        refunded(700),
      ],
    ] as const)('%s: thrown on as it is, logged once by the event consumer (not here)', async (_case, consumer, envelope) => {
      const { logger, lines } = capturingLogger({ service: 'points' });
      await expect(consumer(logger).handle(envelope as never)).rejects.toBeInstanceOf(SagaStepOutOfOrderError);
      expect(lines).toEqual([]);
    });

    it('any other failure is thrown on as it is, too', async () => {
      const { logger, lines } = capturingLogger({ service: 'points' });
      const broken = new Error('store broken');
      await expect(new ConfirmPointsOnOrderPaid(recordingUseCase(broken) as never, logger).handle(paid(700))).rejects.toBe(broken);
      await expect(new ReturnPointsOnOrderRefunded(recordingUseCase(broken) as never, logger).handle(refunded(700))).rejects.toBe(broken);
      expect(lines).toEqual([]);
    });
  });

  describe('log each outcome by what it means', () => {
    it('a payment the points side disagrees with (points rejected, released, cancelled, or reserved for another user or amount): an error naming both sides, not a failure (retrying cannot help)', async () => {
      for (const [status, recorded] of [
        ['REJECTED', { userId: ids.userId, points: 700 }],
        ['CANCELLED_UNSEEN', { userId: null, points: 0 }],
        ['RESERVED', { userId: ids.userId, points: 500 }],
      ] as const) {
        const { logger, lines } = capturingLogger({ service: 'points' });
        const result = { outcome: 'inconsistent', status, problem: 'the reason', recorded };
        await new ConfirmPointsOnOrderPaid(recordingUseCase(result) as never, logger).handle(paid(700, shouted));
        expect(lines).toEqual([
          expect.objectContaining({
            level: 'error',
            msg: expect.stringMatching(/not reserved .*disagree/),
            ...ids,
            pointsToUse: 700,
            status,
            reservedFor: recorded.userId,
            reservedPoints: recorded.points,
            problem: 'the reason',
          }),
        ]);
      }
    });

    it('a cancellation of an order paid or refunded here: an error naming both sides', async () => {
      const { logger, lines } = capturingLogger({ service: 'points' });
      const result = { outcome: 'inconsistent', status: 'PAID', problem: 'the reason', recorded: { userId: ids.userId, points: 700 } };
      await new ReleasePointsOnOrderCancelled(recordingUseCase(result) as never, logger).handle(cancelled(700));
      expect(lines).toEqual([
        expect.objectContaining({
          level: 'error',
          msg: expect.stringMatching(/spent already.*disagree/),
          ...{ ...ids, pointsToUse: 700, status: 'PAID', reservedFor: ids.userId, reservedPoints: 700, problem: 'the reason' },
        }),
      ]);
    });

    it.each([
      ['another user or amount than decided', 'RESERVED', { userId: crypto.randomUUID(), points: 700 }, /another user or amount.*disagree/],
      ['points after it was paid without any (no answer will be sent)', 'PAID', { userId: ids.userId, points: 0 }, /paid without any.*no answer.*disagree/],
    ] as const)('a placement naming %s: an error naming both sides', async (_case, status, recorded, message) => {
      const { logger, lines } = capturingLogger({ service: 'points' });
      const result = { outcome: 'already-decided', status, agrees: false, recorded };
      await new ReservePointsOnOrderPlaced(recordingUseCase(result) as never, logger).handle(placed(700));
      expect(lines).toEqual([
        expect.objectContaining({
          level: 'error',
          msg: expect.stringMatching(message),
          ...{ ...ids, pointsToUse: 700, status, decidedFor: recorded.userId, decidedPoints: recorded.points },
        }),
      ]);
    });

    it.each<[string, () => { handle(envelope: never): Promise<void> }, EventEnvelope, string, RegExp]>([
      [
        'a reservation',
        () => new ReservePointsOnOrderPlaced(recordingUseCase({ outcome: 'reserved', points: 700 }) as never, capturing.logger),
        placed(700),
        'none',
        /^$/,
      ],
      [
        'a rejection',
        () => new ReservePointsOnOrderPlaced(recordingUseCase({ outcome: 'rejected', reason: 'INSUFFICIENT_POINTS' }) as never, capturing.logger),
        placed(700),
        'info',
        /rejected/,
      ],
      [
        'a placement decided before',
        () =>
          new ReservePointsOnOrderPlaced(
            recordingUseCase({ outcome: 'already-decided', status: 'RESERVED', agrees: true, recorded: { userId: ids.userId, points: 700 } }) as never,
            capturing.logger,
          ),
        placed(700),
        'info',
        /seen again/,
      ],
      [
        'a release',
        () => new ReleasePointsOnOrderCancelled(recordingUseCase({ outcome: 'released', points: 700 }) as never, capturing.logger),
        cancelled(700),
        'info',
        /available again/,
      ],
      [
        'a tombstone',
        () => new ReleasePointsOnOrderCancelled(recordingUseCase({ outcome: 'tombstoned' }) as never, capturing.logger),
        cancelled(700),
        'info',
        /tombstone/,
      ],
      [
        'a cancellation of an order never seen that used no points (said on most cancellations)',
        () => new ReleasePointsOnOrderCancelled(recordingUseCase({ outcome: 'not-seen' }) as never, capturing.logger),
        cancelled(0),
        'debug',
        /used no points/,
      ],
      [
        'a cancellation with nothing frozen',
        () => new ReleasePointsOnOrderCancelled(recordingUseCase({ outcome: 'nothing-to-release', status: 'RELEASED' }) as never, capturing.logger),
        cancelled(700),
        'info',
        /nothing frozen/,
      ],
      [
        'a confirmation',
        () => new ConfirmPointsOnOrderPaid(recordingUseCase({ outcome: 'confirmed', spent: 700, earned: 25 }) as never, capturing.logger),
        paid(700),
        'info',
        /spent and earned/,
      ],
      [
        'a payment confirmed before',
        () => new ConfirmPointsOnOrderPaid(recordingUseCase({ outcome: 'already-confirmed', status: 'PAID' }) as never, capturing.logger),
        paid(700),
        'info',
        /paid again/,
      ],
      [
        'a return',
        () => new ReturnPointsOnOrderRefunded(recordingUseCase({ outcome: 'returned', returned: 700, clawedBack: 25, debt: 0 }) as never, capturing.logger),
        refunded(700),
        'info',
        /returned, earned points clawed back/,
      ],
      [
        'a return leaving a debt',
        () => new ReturnPointsOnOrderRefunded(recordingUseCase({ outcome: 'returned', returned: 0, clawedBack: 5, debt: 20 }) as never, capturing.logger),
        refunded(0),
        'info',
        /debt/,
      ],
      [
        'a refund returned before',
        () => new ReturnPointsOnOrderRefunded(recordingUseCase({ outcome: 'already-returned' }) as never, capturing.logger),
        refunded(700),
        'info',
        /refunded again/,
      ],
      [
        'a refund of an order that held no points',
        () => new ReturnPointsOnOrderRefunded(recordingUseCase({ outcome: 'nothing-to-return', status: 'REJECTED' }) as never, capturing.logger),
        refunded(700),
        'info',
        /held no points/,
      ],
      [
        'a bonus granted',
        () => new GrantSignupBonusOnUserRegistered(recordingUseCase({ outcome: 'granted', points: 100 }) as never, capturing.logger),
        registered(ids.userId),
        'info',
        /granted/,
      ],
      [
        'a bonus granted before',
        () => new GrantSignupBonusOnUserRegistered(recordingUseCase({ outcome: 'already-granted' }) as never, capturing.logger),
        registered(ids.userId),
        'info',
        /registered again/,
      ],
      [
        'the bonus turned off (said on every registration)',
        () => new GrantSignupBonusOnUserRegistered(recordingUseCase({ outcome: 'disabled' }) as never, capturing.logger),
        registered(ids.userId),
        'debug',
        /off/,
      ],
    ])('%s: %s', async (_case, consumer, envelope, level, message) => {
      capturing = capturingLogger({ service: 'points' });
      await consumer().handle(envelope as never);
      if (level === 'none') expect(capturing.lines).toEqual([]);
      else expect(levelsAndMessages(capturing.lines)).toEqual([{ level, msg: expect.stringMatching(message) }]);
    });
  });
});

/** The logger of the table-driven tests above, fresh for each row. */
let capturing = capturingLogger({ service: 'points' });

function tooEarly(step: string): SagaStepOutOfOrderError {
  return new SagaStepOutOfOrderError(step, ids.orderId, 'its predecessor');
}
