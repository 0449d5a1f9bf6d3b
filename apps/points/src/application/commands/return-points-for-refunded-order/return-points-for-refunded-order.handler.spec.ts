import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { SagaStepOutOfOrderError } from '../../saga-step-out-of-order.error.js';
import { pointsApplicationFixture, type PointsApplicationFixture } from '../../testing/points-application.fixture.js';

describe('ReturnPointsForRefundedOrderHandler', () => {
  let f: PointsApplicationFixture;
  const userId = newId();
  const orderId = newId();
  const refund = (id = orderId) => f.handlers.returnForRefund.execute({ orderId: id, userId, pointsToUse: 60 });
  beforeEach(async () => {
    f = pointsApplicationFixture();
    await f.givenAccount(userId, 100);
  });

  it('returns the spent points, then claws back the earned ones; a redelivery changes nothing', async () => {
    await f.handlers.reserve.execute({ orderId, userId, points: 60 });
    await f.handlers.confirm.execute({ orderId, userId, pointsToUse: 60, amountPaid: 3_000 });
    expect(await f.balanceOf(userId)).toEqual({ available: 70, frozen: 0, lifetimeEarned: 130, debt: 0 });

    expect(await refund()).toEqual({ outcome: 'returned', returned: 60, clawedBack: 30, debt: 0 });
    expect(await refund()).toEqual({ outcome: 'already-returned' });

    expect(await f.balanceOf(userId)).toEqual({ available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 });
    expect(
      f.ledger
        .entriesOf(userId)
        .slice(-2)
        .map((e) => [e.key, e.delta.available, e.delta.earned, e.delta.debt]),
    ).toEqual([
      [`REFUND:${orderId}`, 60, 0, 0],
      [`CLAWBACK:${orderId}`, -30, -30, 0],
    ]);
    expect(f.orders.all().map((o) => o.status)).toEqual(['REFUNDED']);
    expect(f.outbox.events.map((e) => e.type)).toEqual(['points.reserved.v1']);
  });

  it('owes what it cannot claw back (the earned points are frozen for another order) as DEBT, settled by the next credit', async () => {
    await f.handlers.confirm.execute({ orderId, userId, pointsToUse: 0, amountPaid: 5_000 });
    const other = newId();
    await f.handlers.reserve.execute({ orderId: other, userId, points: 130 });
    expect(await f.balanceOf(userId)).toEqual({ available: 20, frozen: 130, lifetimeEarned: 150, debt: 0 });

    expect(await refund()).toEqual({ outcome: 'returned', returned: 0, clawedBack: 20, debt: 30 });
    expect(await f.balanceOf(userId)).toEqual({ available: 0, frozen: 130, lifetimeEarned: 100, debt: 30 });
    expect(
      f.ledger
        .entriesOf(userId)
        .slice(-2)
        .map((e) => [e.key, e.after.available, e.after.debt]),
    ).toEqual([
      [`CLAWBACK:${orderId}`, 0, 0],
      [`DEBT:${orderId}`, 0, 30],
    ]);

    await f.handlers.release.execute({ orderId: other, pointsToUse: 60 });
    expect(await f.balanceOf(userId)).toEqual({ available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 });
  });

  it.each<[string, (f: PointsApplicationFixture) => Promise<unknown>]>([
    ['no row for the order', async () => undefined],
    ['the order still RESERVED', (f) => f.handlers.reserve.execute({ orderId, userId, points: 60 })],
  ])('throws SagaStepOutOfOrderError with %s: its payment was not seen yet; nothing changes', async (_, given) => {
    await given(f);
    const before = await f.balanceOf(userId);
    await expect(refund()).rejects.toBeInstanceOf(SagaStepOutOfOrderError);
    expect(await f.balanceOf(userId)).toEqual(before);
  });

  it('goes through when redelivered once the payment it overtook is in', async () => {
    await f.handlers.reserve.execute({ orderId, userId, points: 60 });
    await expect(refund()).rejects.toBeInstanceOf(SagaStepOutOfOrderError);
    await f.handlers.confirm.execute({ orderId, userId, pointsToUse: 60, amountPaid: 0 });
    expect(await refund()).toEqual({ outcome: 'returned', returned: 60, clawedBack: 0, debt: 0 });
    expect(await f.balanceOf(userId)).toEqual({ available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 });
  });

  it.each<[string, (f: PointsApplicationFixture) => Promise<unknown>, string]>([
    ['rejected', (f) => f.handlers.reserve.execute({ orderId, userId, points: 500 }), 'REJECTED'],
    [
      'released',
      async (f) => (await f.handlers.reserve.execute({ orderId, userId, points: 60 }), f.handlers.release.execute({ orderId, pointsToUse: 60 })),
      'RELEASED',
    ],
    ['cancelled before placed', (f) => f.handlers.release.execute({ orderId, pointsToUse: 60 }), 'CANCELLED_UNSEEN'],
  ])('has nothing to return for an order whose points were %s', async (_, given, status) => {
    await given(f);
    const entries = f.ledger.all().length;
    expect(await refund()).toEqual({ outcome: 'nothing-to-return', status });
    expect(f.ledger.all()).toHaveLength(entries);
  });

  it('refunds an order that used and earned nothing without touching (or opening) an account', async () => {
    const newcomer = newId();
    await f.handlers.confirm.execute({ orderId, userId: newcomer, pointsToUse: 0, amountPaid: 50 });
    expect(await f.handlers.returnForRefund.execute({ orderId, userId: newcomer, pointsToUse: 0 })).toEqual({
      outcome: 'returned',
      returned: 0,
      clawedBack: 0,
      debt: 0,
    });
    expect(f.accounts.all().map((a) => a.userId)).toEqual([userId]);
    expect(f.orders.all().map((o) => o.status)).toEqual(['REFUNDED']);
  });
});
