import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { SagaStepOutOfOrderError } from '../../saga-step-out-of-order.error.js';
import { pointsApplicationFixture, type PointsApplicationFixture } from '../../testing/points-application.fixture.js';

describe('ConfirmPointsForOrderHandler', () => {
  let f: PointsApplicationFixture;
  const userId = newId();
  const orderId = newId();
  beforeEach(async () => {
    f = pointsApplicationFixture();
    await f.givenAccount(userId, 100);
  });

  it('spends the frozen points and earns one point per full yuan paid, in one go; a redelivery changes nothing', async () => {
    await f.handlers.reserve.execute({ orderId, userId, points: 60 });
    const command = { orderId, userId, pointsToUse: 60, amountPaid: 12_399 };

    expect(await f.handlers.confirm.execute(command)).toEqual({ outcome: 'confirmed', spent: 60, earned: 123 });
    expect(await f.handlers.confirm.execute(command)).toEqual({ outcome: 'already-confirmed', status: 'PAID' });

    expect(await f.balanceOf(userId)).toEqual({ available: 163, frozen: 0, lifetimeEarned: 223, debt: 0 });
    expect(f.ledger.entriesOf(userId).map((e) => [e.key, e.delta.available, e.delta.frozen, e.delta.earned])).toEqual([
      [`BONUS:${userId}`, 100, 0, 100],
      [`FREEZE:${orderId}`, -60, 60, 0],
      [`SPEND:${orderId}`, 0, -60, 0],
      [`EARN:${orderId}`, 123, 0, 123],
    ]);
    expect(f.orders.all().map((o) => [o.status, o.points, o.earned])).toEqual([['PAID', 60, 123]]);
    expect(f.outbox.events.map((e) => e.type)).toEqual(['points.reserved.v1']);
  });

  it('earns for an order that used no points, remembering it as paid so a refund can claw back; a redelivery changes nothing', async () => {
    const command = { orderId, userId, pointsToUse: 0, amountPaid: 5_000 };

    expect(await f.handlers.confirm.execute(command)).toEqual({ outcome: 'confirmed', spent: 0, earned: 50 });
    expect(await f.handlers.confirm.execute(command)).toEqual({ outcome: 'already-confirmed', status: 'PAID' });

    expect(await f.balanceOf(userId)).toEqual({ available: 150, frozen: 0, lifetimeEarned: 150, debt: 0 });
    expect(f.orders.all().map((o) => [o.id, o.status, o.points, o.earned])).toEqual([[orderId, 'PAID', 0, 50]]);
    expect(f.outbox.events).toEqual([]);
  });

  it('opens the account of a user it has not seen yet to credit what they earned', async () => {
    const newcomer = newId();
    expect(await f.handlers.confirm.execute({ orderId, userId: newcomer, pointsToUse: 0, amountPaid: 250 })).toEqual({
      outcome: 'confirmed',
      spent: 0,
      earned: 2,
    });
    expect(await f.balanceOf(newcomer)).toEqual({ available: 2, frozen: 0, lifetimeEarned: 2, debt: 0 });
  });

  it('writes no account and no entry for a payment under one yuan, but remembers the order', async () => {
    const newcomer = newId();
    expect(await f.handlers.confirm.execute({ orderId, userId: newcomer, pointsToUse: 0, amountPaid: 99 })).toEqual({
      outcome: 'confirmed',
      spent: 0,
      earned: 0,
    });
    expect(f.accounts.all().map((a) => a.userId)).toEqual([userId]);
    expect(f.ledger.entriesOf(newcomer)).toEqual([]);
    expect(f.orders.all().map((o) => o.status)).toEqual(['PAID']);
  });

  it('throws SagaStepOutOfOrderError for a payment that used points whose placement was not seen yet, writing nothing; it confirms once the placement is in', async () => {
    const command = { orderId, userId, pointsToUse: 60, amountPaid: 1_000 };
    await expect(f.handlers.confirm.execute(command)).rejects.toBeInstanceOf(SagaStepOutOfOrderError);
    expect(f.orders.all()).toEqual([]);
    expect(f.ledger.all().map((e) => e.kind)).toEqual(['BONUS']);

    await f.handlers.reserve.execute({ orderId, userId, points: 60 });
    expect(await f.handlers.confirm.execute(command)).toEqual({ outcome: 'confirmed', spent: 60, earned: 10 });
  });

  it.each<[string, (f: PointsApplicationFixture) => Promise<unknown>, string]>([
    ['rejected', (f) => f.handlers.reserve.execute({ orderId, userId, points: 500 }), 'REJECTED'],
    [
      'released',
      async (f) => (await f.handlers.reserve.execute({ orderId, userId, points: 60 }), f.handlers.release.execute({ orderId, pointsToUse: 60 })),
      'RELEASED',
    ],
    ['cancelled before placed', (f) => f.handlers.release.execute({ orderId, pointsToUse: 60 }), 'CANCELLED_UNSEEN'],
  ])('answers inconsistent for an order whose points were %s: nothing spent, nothing earned', async (_, given, status) => {
    await given(f);
    const before = await f.balanceOf(userId);
    const entries = f.ledger.all().length;
    const recorded = status === 'CANCELLED_UNSEEN' ? { userId: null, points: 0 } : { userId, points: status === 'REJECTED' ? 500 : 60 };

    expect(await f.handlers.confirm.execute({ orderId, userId, pointsToUse: 60, amountPaid: 10_000 })).toEqual({
      outcome: 'inconsistent',
      status,
      problem: expect.stringMatching(/cannot be paid/),
      recorded,
    });

    expect(await f.balanceOf(userId)).toEqual(before);
    expect(f.ledger.all()).toHaveLength(entries);
    expect(f.orders.all().map((o) => o.status)).toEqual([status]);
  });

  it.each([
    ['another user', () => ({ userId: newId(), pointsToUse: 60 })],
    ['other points', () => ({ userId, pointsToUse: 59 })],
    ['no points', () => ({ userId, pointsToUse: 0 })],
  ])('answers inconsistent for a payment naming %s than the reservation: nothing spent, nothing earned, still reserved', async (_, paidAs) => {
    await f.handlers.reserve.execute({ orderId, userId, points: 60 });
    const payment = paidAs();
    const before = await f.balanceOf(userId);
    const entries = f.ledger.all().length;

    expect(await f.handlers.confirm.execute({ orderId, ...payment, amountPaid: 10_000 })).toEqual({
      outcome: 'inconsistent',
      status: 'RESERVED',
      problem: expect.stringContaining(`user ${payment.userId} with ${payment.pointsToUse} points`),
      recorded: { userId, points: 60 },
    });

    expect(await f.balanceOf(userId)).toEqual(before);
    expect(f.ledger.all()).toHaveLength(entries);
    if (payment.userId !== userId) expect(f.accounts.all().map((a) => a.userId)).toEqual([userId]);
    expect(f.orders.all().map((o) => o.status)).toEqual(['RESERVED']);
  });

  it('spends and earns under the ids as the order’s points keep them, whatever the payment’s spelling', async () => {
    await f.handlers.reserve.execute({ orderId, userId, points: 60 });
    expect(await f.handlers.confirm.execute({ orderId, userId: userId.toUpperCase(), pointsToUse: 60, amountPaid: 100 })).toMatchObject({
      outcome: 'confirmed',
    });
    const other = newId();
    await f.handlers.confirm.execute({ orderId: other.toUpperCase(), userId: userId.toUpperCase(), pointsToUse: 0, amountPaid: 100 });
    expect(f.ledger.entriesOf(userId).map((e) => e.key)).toEqual([
      `BONUS:${userId}`,
      `FREEZE:${orderId}`,
      `SPEND:${orderId}`,
      `EARN:${orderId}`,
      `EARN:${other}`,
    ]);
    expect(f.orders.all().map((o) => [o.orderId, o.userId])).toEqual([
      [orderId, userId],
      [other, userId],
    ]);
  });

  it('is already confirmed for a refunded order', async () => {
    await f.handlers.confirm.execute({ orderId, userId, pointsToUse: 0, amountPaid: 1_000 });
    await f.handlers.returnForRefund.execute({ orderId, userId, pointsToUse: 0 });
    expect(await f.handlers.confirm.execute({ orderId, userId, pointsToUse: 0, amountPaid: 1_000 })).toEqual({
      outcome: 'already-confirmed',
      status: 'REFUNDED',
    });
  });

  it('refuses an amount paid that is not a whole number of fen', async () => {
    await expect(f.handlers.confirm.execute({ orderId, userId, pointsToUse: 0, amountPaid: -1 })).rejects.toMatchObject({ code: 'INVALID_VALUE' });
  });
});
