import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { pointsApplicationFixture, type PointsApplicationFixture } from '../../testing/points-application.fixture.js';

describe('ReleasePointsForOrderHandler', () => {
  let f: PointsApplicationFixture;
  const userId = newId();
  const orderId = newId();
  beforeEach(async () => {
    f = pointsApplicationFixture();
    await f.givenAccount(userId, 100);
  });

  it('makes the points frozen for the cancelled order available again; a redelivery changes nothing and nothing is announced', async () => {
    await f.handlers.reserve.execute({ orderId, userId, points: 60 });

    expect(await f.handlers.release.execute({ orderId, pointsToUse: 60 })).toEqual({ outcome: 'released', points: 60 });
    expect(await f.handlers.release.execute({ orderId, pointsToUse: 60 })).toEqual({ outcome: 'nothing-to-release', status: 'RELEASED' });

    expect(await f.balanceOf(userId)).toEqual({ available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 });
    expect(f.ledger.entriesOf(userId).map((e) => [e.key, e.delta.available, e.delta.frozen])).toEqual([
      [`BONUS:${userId}`, 100, 0],
      [`FREEZE:${orderId}`, -60, 60],
      [`RELEASE:${orderId}`, 60, -60],
    ]);
    expect(f.orders.all().map((o) => o.status)).toEqual(['RELEASED']);
    expect(f.outbox.events.map((e) => e.type)).toEqual(['points.reserved.v1']);
  });

  it('records a tombstone for an order never seen and succeeds (an empty rollback); a redelivery changes nothing', async () => {
    expect(await f.handlers.release.execute({ orderId, pointsToUse: 60 })).toEqual({ outcome: 'tombstoned' });
    expect(await f.handlers.release.execute({ orderId, pointsToUse: 60 })).toEqual({ outcome: 'nothing-to-release', status: 'CANCELLED_UNSEEN' });

    expect(f.orders.all().map((o) => [o.id, o.status, o.userId])).toEqual([[orderId, 'CANCELLED_UNSEEN', null]]);
    expect(await f.balanceOf(userId)).toMatchObject({ available: 100, frozen: 0 });
    expect(f.outbox.events).toEqual([]);
  });

  it('has nothing to release for a rejected reservation', async () => {
    await f.handlers.reserve.execute({ orderId, userId, points: 500 });
    expect(await f.handlers.release.execute({ orderId, pointsToUse: 60 })).toEqual({ outcome: 'nothing-to-release', status: 'REJECTED' });
    expect(await f.balanceOf(userId)).toMatchObject({ available: 100, frozen: 0 });
  });

  it.each<[string, (f: PointsApplicationFixture) => Promise<unknown>, string]>([
    ['paid', (f) => f.handlers.confirm.execute({ orderId, userId, pointsToUse: 60, amountPaid: 0 }), 'PAID'],
    [
      'refunded',
      async (f) => {
        await f.handlers.confirm.execute({ orderId, userId, pointsToUse: 60, amountPaid: 0 });
        await f.handlers.returnForRefund.execute({ orderId, userId, pointsToUse: 60 });
      },
      'REFUNDED',
    ],
  ])('answers inconsistent for a cancellation of an order %s already (past cancelling), giving nothing back', async (_, given, status) => {
    await f.handlers.reserve.execute({ orderId, userId, points: 60 });
    await given(f);
    const balance = await f.balanceOf(userId);
    const entries = f.ledger.all().length;

    expect(await f.handlers.release.execute({ orderId, pointsToUse: 60 })).toEqual({
      outcome: 'inconsistent',
      status,
      problem: expect.stringMatching(/cannot be released/),
      recorded: { userId, points: 60 },
    });
    expect(await f.balanceOf(userId)).toEqual(balance);
    expect(f.ledger.all()).toHaveLength(entries);
    expect(f.orders.all().map((o) => o.status)).toEqual([status]);
  });

  it('releases the points frozen for the order even when the cancellation says it used none (the order’s row decides)', async () => {
    await f.handlers.reserve.execute({ orderId, userId, points: 60 });
    expect(await f.handlers.release.execute({ orderId, pointsToUse: 0 })).toEqual({ outcome: 'released', points: 60 });
    expect(await f.balanceOf(userId)).toEqual({ available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 });
    expect(f.orders.all().map((o) => o.status)).toEqual(['RELEASED']);
  });

  it('leaves nothing for an order never seen that used no points (its placement freezes nothing): no tombstone', async () => {
    expect(await f.handlers.release.execute({ orderId, pointsToUse: 0 })).toEqual({ outcome: 'not-seen' });
    expect(f.orders.all()).toEqual([]);
    expect(f.ledger.all().map((e) => e.kind)).toEqual(['BONUS']);
  });

  it('keeps the tombstone under the order id in its one spelling', async () => {
    expect(await f.handlers.release.execute({ orderId: orderId.toUpperCase(), pointsToUse: 60 })).toEqual({ outcome: 'tombstoned' });
    expect(f.orders.all().map((o) => o.orderId)).toEqual([orderId]);
  });

  it('pays a debt from the released points first', async () => {
    const paid = newId();
    await f.handlers.confirm.execute({ orderId: paid, userId, pointsToUse: 0, amountPaid: 10_000 });
    await f.handlers.reserve.execute({ orderId, userId, points: 200 });
    await f.handlers.returnForRefund.execute({ orderId: paid, userId, pointsToUse: 0 });
    expect(await f.balanceOf(userId)).toEqual({ available: 0, frozen: 200, lifetimeEarned: 100, debt: 100 });

    expect(await f.handlers.release.execute({ orderId, pointsToUse: 60 })).toEqual({ outcome: 'released', points: 200 });

    expect(await f.balanceOf(userId)).toEqual({ available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 });
    expect(
      f.ledger
        .entriesOf(userId)
        .slice(-2)
        .map((e) => [e.key, e.delta.available, e.delta.debt]),
    ).toEqual([
      [`RELEASE:${orderId}`, 200, 0],
      [`DEBT_SETTLED:RELEASE:${orderId}`, -100, -100],
    ]);
  });
});
