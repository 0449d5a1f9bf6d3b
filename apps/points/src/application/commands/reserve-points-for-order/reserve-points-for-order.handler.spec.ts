import { codeOf } from '@shop/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventSchemaRegistry, PointsReservationRejectedV1, PointsReservedV1 } from '@shop/contracts';
import { newId } from '@shop/shared-kernel';
import { pointsApplicationFixture, type PointsApplicationFixture } from '../../testing/points-application.fixture.js';

const schemas = new EventSchemaRegistry([PointsReservedV1, PointsReservationRejectedV1]);
const at = '2026-02-01T08:00:00.000Z';

describe('ReservePointsForOrderHandler', () => {
  let f: PointsApplicationFixture;
  const userId = newId();
  const orderId = newId();
  beforeEach(() => {
    f = pointsApplicationFixture();
  });
  /** A repeat of the placement decided before, agreeing with it. */
  const decidedBefore = (status: string, points: number) => ({ outcome: 'already-decided', status, agrees: true, recorded: { userId, points } });

  it('freezes the points and announces points.reserved.v1; a redelivery changes nothing', async () => {
    await f.givenAccount(userId, 100);
    const command = { orderId, userId, points: 60 };

    expect(await f.handlers.reserve.execute(command)).toEqual({ outcome: 'reserved', points: 60 });
    expect(await f.handlers.reserve.execute(command)).toEqual(decidedBefore('RESERVED', 60));

    expect(await f.balanceOf(userId)).toEqual({ available: 40, frozen: 60, lifetimeEarned: 100, debt: 0 });
    expect(f.ledger.entriesOf(userId).map((e) => [e.key, e.delta.available, e.delta.frozen])).toEqual([
      [`BONUS:${userId}`, 100, 0],
      [`FREEZE:${orderId}`, -60, 60],
    ]);
    expect(f.orders.all().map((o) => [o.id, o.status, o.points])).toEqual([[orderId, 'RESERVED', 60]]);
    expect(f.outbox.events).toEqual([{ type: 'points.reserved.v1', aggregateId: orderId, payload: { orderId, userId, points: 60, reservedAt: at } }]);
    expect(() => schemas.validatePayload(PointsReservedV1.type, f.outbox.events[0]!.payload)).not.toThrow();
  });

  it('freezes the whole balance when asked for exactly that', async () => {
    await f.givenAccount(userId, 100);
    expect(await f.handlers.reserve.execute({ orderId, userId, points: 100 })).toEqual({ outcome: 'reserved', points: 100 });
    expect(await f.balanceOf(userId)).toMatchObject({ available: 0, frozen: 100 });
  });

  it.each<[string, (f: PointsApplicationFixture) => Promise<void>]>([
    ['fewer points available than asked', (f) => f.givenAccount(userId, 99)],
    ['no account at all', async () => undefined],
  ])('rejects with INSUFFICIENT_POINTS when there are %s, announced once however often delivered, the balance untouched', async (_, given) => {
    await given(f);
    const before = await f.balanceOf(userId);
    const accountsBefore = f.accounts.all().length;
    const command = { orderId, userId, points: 100 };

    expect(await f.handlers.reserve.execute(command)).toEqual({ outcome: 'rejected', reason: 'INSUFFICIENT_POINTS' });
    expect(await f.handlers.reserve.execute(command)).toEqual(decidedBefore('REJECTED', 100));

    expect(await f.balanceOf(userId)).toEqual(before);
    expect(f.accounts.all()).toHaveLength(accountsBefore);
    expect(f.ledger.all().filter((e) => e.orderId === orderId)).toEqual([]);
    expect(f.orders.all().map((o) => [o.status, o.reason, o.points])).toEqual([['REJECTED', 'INSUFFICIENT_POINTS', 100]]);
    expect(f.outbox.events).toEqual([
      {
        type: 'points.reservation-rejected.v1',
        aggregateId: orderId,
        payload: { orderId, userId, points: 100, reason: 'INSUFFICIENT_POINTS', rejectedAt: at },
      },
    ]);
    expect(() => schemas.validatePayload(PointsReservationRejectedV1.type, f.outbox.events[0]!.payload)).not.toThrow();
  });

  it('rejects a placement that arrives after its cancellation (tombstone) with ORDER_CANCELLED, freezing nothing', async () => {
    await f.givenAccount(userId, 100);
    expect(await f.handlers.release.execute({ orderId, pointsToUse: 60 })).toEqual({ outcome: 'tombstoned' });

    const command = { orderId, userId, points: 60 };
    expect(await f.handlers.reserve.execute(command)).toEqual({ outcome: 'rejected', reason: 'ORDER_CANCELLED' });
    expect(await f.handlers.reserve.execute(command)).toEqual(decidedBefore('REJECTED', 60));

    expect(await f.balanceOf(userId)).toMatchObject({ available: 100, frozen: 0 });
    expect(f.orders.all().map((o) => [o.status, o.reason, o.userId, o.points])).toEqual([['REJECTED', 'ORDER_CANCELLED', userId, 60]]);
    expect(f.outbox.events.map((e) => e.payload)).toEqual([{ orderId, userId, points: 60, reason: 'ORDER_CANCELLED', rejectedAt: at }]);
    expect(() => schemas.validatePayload(PointsReservationRejectedV1.type, f.outbox.events[0]!.payload)).not.toThrow();
  });

  it.each<[string, (f: PointsApplicationFixture) => Promise<unknown>, { userId: string; points: number }, string, { userId: string; points: number }]>([
    [
      'reserved, placed again by another user',
      (f) => f.handlers.reserve.execute({ orderId, userId, points: 60 }),
      { userId: newId(), points: 60 },
      'RESERVED',
      { userId, points: 60 },
    ],
    [
      'reserved, placed again with other points',
      (f) => f.handlers.reserve.execute({ orderId, userId, points: 60 }),
      { userId, points: 70 },
      'RESERVED',
      { userId, points: 60 },
    ],
    [
      'paid without points, then placed with some (no answer will ever come)',
      (f) => f.handlers.confirm.execute({ orderId, userId, pointsToUse: 0, amountPaid: 1_000 }),
      { userId, points: 60 },
      'PAID',
      { userId, points: 0 },
    ],
  ])('says a placement %s disagrees with what was decided, changing nothing', async (_, given, placement, status, recorded) => {
    await f.givenAccount(userId, 100);
    await given(f);
    const balance = await f.balanceOf(userId);
    const [entries, answers] = [f.ledger.all().length, f.outbox.events.length];

    expect(await f.handlers.reserve.execute({ orderId, ...placement })).toEqual({ outcome: 'already-decided', status, agrees: false, recorded });

    expect(await f.balanceOf(userId)).toEqual(balance);
    expect([f.ledger.all().length, f.outbox.events.length]).toEqual([entries, answers]);
    expect(f.orders.all().map((o) => o.status)).toEqual([status]);
  });

  it('lets only one of two orders that each want the whole balance freeze it', async () => {
    await f.givenAccount(userId, 100);
    const first = newId();
    const second = newId();

    const outcomes = await Promise.all([
      f.handlers.reserve.execute({ orderId: first, userId, points: 100 }),
      f.handlers.reserve.execute({ orderId: second, userId, points: 100 }),
    ]);

    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['rejected', 'reserved']);
    expect(await f.balanceOf(userId)).toEqual({ available: 0, frozen: 100, lifetimeEarned: 100, debt: 0 });
    expect(f.outbox.events.map((e) => e.type).sort()).toEqual(['points.reservation-rejected.v1', 'points.reserved.v1']);
  });

  it.each([0, -5, 2.5])('refuses to reserve %s points (INVALID_POINTS) without touching anything', async (points) => {
    expect(await codeOf(f.handlers.reserve.execute({ orderId, userId, points }))).toBe('INVALID_POINTS');
    expect(f.orders.all()).toEqual([]);
    expect(f.unitOfWork.runs).toBe(0);
  });

  it('rolls everything back when its event cannot be written, so the redelivery decides afresh', async () => {
    await f.givenAccount(userId, 100);
    f.outbox.failNext = new Error('outbox unavailable');
    const command = { orderId, userId, points: 60 };

    await expect(f.handlers.reserve.execute(command)).rejects.toThrow('outbox unavailable');
    expect(await f.balanceOf(userId)).toMatchObject({ available: 100, frozen: 0 });
    expect(f.orders.all()).toEqual([]);
    expect(f.ledger.all().map((e) => e.kind)).toEqual(['BONUS']);

    expect(await f.handlers.reserve.execute(command)).toEqual({ outcome: 'reserved', points: 60 });
    expect(f.ledger.all().map((e) => e.kind)).toEqual(['BONUS', 'FREEZE']);
  });
});
