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

    expect(await f.handlers.release.execute({ orderId })).toEqual({ outcome: 'released', points: 60 });
    expect(await f.handlers.release.execute({ orderId })).toEqual({ outcome: 'nothing-to-release', status: 'RELEASED' });

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
    expect(await f.handlers.release.execute({ orderId })).toEqual({ outcome: 'tombstoned' });
    expect(await f.handlers.release.execute({ orderId })).toEqual({ outcome: 'nothing-to-release', status: 'CANCELLED_UNSEEN' });

    expect(f.orders.all().map((o) => [o.id, o.status, o.userId])).toEqual([[orderId, 'CANCELLED_UNSEEN', null]]);
    expect(await f.balanceOf(userId)).toMatchObject({ available: 100, frozen: 0 });
    expect(f.outbox.events).toEqual([]);
  });

  it('has nothing to release for a rejected reservation', async () => {
    await f.handlers.reserve.execute({ orderId, userId, points: 500 });
    expect(await f.handlers.release.execute({ orderId })).toEqual({ outcome: 'nothing-to-release', status: 'REJECTED' });
    expect(await f.balanceOf(userId)).toMatchObject({ available: 100, frozen: 0 });
  });

  it('does not give back the points of a paid order', async () => {
    await f.handlers.reserve.execute({ orderId, userId, points: 60 });
    await f.handlers.confirm.execute({ orderId, userId, pointsToUse: 60, amountPaid: 0 });

    expect(await f.handlers.release.execute({ orderId })).toEqual({ outcome: 'nothing-to-release', status: 'PAID' });
    expect(await f.balanceOf(userId)).toMatchObject({ available: 40, frozen: 0 });
  });

  it('pays a debt from the released points first', async () => {
    const paid = newId();
    await f.handlers.confirm.execute({ orderId: paid, userId, pointsToUse: 0, amountPaid: 10_000 });
    await f.handlers.reserve.execute({ orderId, userId, points: 200 });
    await f.handlers.returnForRefund.execute({ orderId: paid, userId, pointsToUse: 0 });
    expect(await f.balanceOf(userId)).toEqual({ available: 0, frozen: 200, lifetimeEarned: 100, debt: 100 });

    expect(await f.handlers.release.execute({ orderId })).toEqual({ outcome: 'released', points: 200 });

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
