import { beforeEach, describe, expect, it } from 'vitest';
import { CouponReservationRejectedV1, CouponReservedV1, EventSchemaRegistry } from '@shop/contracts';
import { Money, newId } from '@shop/shared-kernel';
import type { Coupon, CouponSnapshot } from '../../../domain/coupon.js';
import { AmountOff } from '../../../domain/discount/amount-off.js';
import { CouponMother } from '../../../domain/testing/coupon.mother.js';
import { couponApplicationFixture, type CouponApplicationFixture } from '../../testing/coupon-application.fixture.js';
import { couponHandlersOf } from '../../testing/coupon-handlers.js';

const schemas = new EventSchemaRegistry([CouponReservedV1, CouponReservationRejectedV1]);

describe('ReserveCouponForOrderHandler', () => {
  let f: CouponApplicationFixture;
  let h: ReturnType<typeof couponHandlersOf>;
  const userId = newId();
  const orderId = newId();
  let coupon: Coupon;
  const store = (overrides: Partial<CouponSnapshot> = {}) => {
    coupon = CouponMother.stored({
      userId,
      discount: new AmountOff(Money.ofMinor(500), Money.ofMinor(5_000)),
      validFrom: new Date('2026-01-01T00:00:00Z'),
      validUntil: new Date('2026-03-01T00:00:00Z'),
      ...overrides,
    });
    f.coupons.insert(coupon);
    return coupon;
  };
  const stored = () => f.coupons.all().find((c) => c.id === coupon.id)!;
  beforeEach(() => {
    f = couponApplicationFixture();
    h = couponHandlersOf(f);
  });

  it('locks the coupon to the order and announces coupon.reserved.v1 with the discount; a redelivery changes nothing', async () => {
    store();
    const command = { orderId, userId, couponId: coupon.id, subtotal: 8_000 };

    expect(await h.reserve.execute(command)).toEqual({ outcome: 'reserved', discount: 500 });
    expect(await h.reserve.execute(command)).toEqual({ outcome: 'already-decided', status: 'RESERVED' });

    expect([stored().status, stored().orderId]).toEqual(['LOCKED', orderId]);
    expect(f.reservations.all().map((r) => [r.id, r.status, r.discount])).toEqual([[orderId, 'RESERVED', Money.ofMinor(500)]]);
    expect(f.outbox.events).toEqual([
      {
        type: 'coupon.reserved.v1',
        aggregateId: orderId,
        payload: { orderId, couponId: coupon.id, userId, discount: 500, reservedAt: '2026-02-01T08:00:00.000Z' },
      },
    ]);
    expect(() => schemas.validatePayload(CouponReservedV1.type, f.outbox.events[0]!.payload)).not.toThrow();
  });

  it.each<[string, () => { couponId: string; userId?: string; subtotal?: number }, string]>([
    ['an unknown coupon', () => ({ couponId: newId() }), 'NOT_FOUND'],
    ['someone else’s coupon', () => ({ couponId: store().id, userId: newId() }), 'NOT_OWNER'],
    ['an expired coupon', () => ({ couponId: store({ status: 'EXPIRED' }).id }), 'EXPIRED'],
    ['a coupon past its window, not swept yet', () => ({ couponId: store({ validUntil: new Date('2026-02-01T08:00:00Z') }).id }), 'EXPIRED'],
    ['a coupon locked to another order', () => ({ couponId: store({ status: 'LOCKED', orderId: newId() }).id }), 'NOT_AVAILABLE'],
    ['a used coupon', () => ({ couponId: store({ status: 'USED', orderId: newId() }).id }), 'NOT_AVAILABLE'],
    ['a coupon not valid yet', () => ({ couponId: store({ validFrom: new Date('2026-02-01T08:00:00.001Z') }).id }), 'NOT_AVAILABLE'],
    ['a subtotal below the minimum spend', () => ({ couponId: store().id, subtotal: 4_999 }), 'BELOW_MIN_SPEND'],
  ])('rejects %s with %s, announced once however often delivered, the coupon untouched', async (_, make, reason) => {
    const given = make();
    const before = f.coupons.all().map((c) => c.toSnapshot());
    const command = { orderId, userId: given.userId ?? userId, couponId: given.couponId, subtotal: given.subtotal ?? 8_000 };

    expect(await h.reserve.execute(command)).toEqual({ outcome: 'rejected', reason });
    expect(await h.reserve.execute(command)).toEqual({ outcome: 'already-decided', status: 'REJECTED' });

    expect(f.coupons.all().map((c) => c.toSnapshot())).toEqual(before);
    expect(f.reservations.all().map((r) => [r.status, r.reason])).toEqual([['REJECTED', reason]]);
    expect(f.outbox.events).toEqual([
      {
        type: 'coupon.reservation-rejected.v1',
        aggregateId: orderId,
        payload: { orderId, couponId: command.couponId, userId: command.userId, reason, rejectedAt: '2026-02-01T08:00:00.000Z' },
      },
    ]);
    expect(() => schemas.validatePayload(CouponReservationRejectedV1.type, f.outbox.events[0]!.payload)).not.toThrow();
  });

  it('rejects a malformed coupon id as NOT_FOUND without looking it up', async () => {
    expect(await h.reserve.execute({ orderId, userId, couponId: 'nope', subtotal: 100 })).toEqual({ outcome: 'rejected', reason: 'NOT_FOUND' });
  });

  it('rejects a placement that arrives after its cancellation (tombstone) with ORDER_CANCELLED, leaving the coupon AVAILABLE', async () => {
    store();
    expect(await h.release.execute({ orderId })).toEqual({ outcome: 'tombstoned' });

    const command = { orderId, userId, couponId: coupon.id, subtotal: 8_000 };
    expect(await h.reserve.execute(command)).toEqual({ outcome: 'rejected', reason: 'ORDER_CANCELLED' });
    expect(await h.reserve.execute(command)).toEqual({ outcome: 'already-decided', status: 'REJECTED' });

    expect(stored().status).toBe('AVAILABLE');
    expect(f.outbox.events.map((e) => [e.type, (e.payload as { reason?: string }).reason])).toEqual([['coupon.reservation-rejected.v1', 'ORDER_CANCELLED']]);
    expect(() => schemas.validatePayload(CouponReservationRejectedV1.type, f.outbox.events[0]!.payload)).not.toThrow();
  });

  it('lets one coupon serve one order at a time: a second order is refused until the first releases it', async () => {
    store();
    const secondOrder = newId();
    await h.reserve.execute({ orderId, userId, couponId: coupon.id, subtotal: 8_000 });
    expect(await h.reserve.execute({ orderId: secondOrder, userId, couponId: coupon.id, subtotal: 8_000 })).toEqual({
      outcome: 'rejected',
      reason: 'NOT_AVAILABLE',
    });

    await h.release.execute({ orderId });
    const thirdOrder = newId();
    expect(await h.reserve.execute({ orderId: thirdOrder, userId, couponId: coupon.id, subtotal: 8_000 })).toEqual({ outcome: 'reserved', discount: 500 });
    expect(stored().orderId).toBe(thirdOrder);
  });

  it('rolls everything back when its event cannot be written, so the redelivery decides afresh', async () => {
    store();
    f.outbox.failNext = new Error('outbox unavailable');
    const command = { orderId, userId, couponId: coupon.id, subtotal: 8_000 };

    await expect(h.reserve.execute(command)).rejects.toThrow('outbox unavailable');
    expect(stored().status).toBe('AVAILABLE');
    expect(f.reservations.all()).toEqual([]);

    expect(await h.reserve.execute(command)).toEqual({ outcome: 'reserved', discount: 500 });
  });
});
