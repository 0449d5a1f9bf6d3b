import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import type { Coupon } from '../../../domain/coupon.js';
import { CouponMother } from '../../../domain/testing/coupon.mother.js';
import { couponApplicationFixture, type CouponApplicationFixture } from '../../testing/coupon-application.fixture.js';
import { couponHandlersOf } from '../../testing/coupon-handlers.js';

describe('ReleaseCouponForOrderHandler', () => {
  let f: CouponApplicationFixture;
  let h: ReturnType<typeof couponHandlersOf>;
  let coupon: Coupon;
  const userId = newId();
  const orderId = newId();
  const stored = () => f.coupons.all().find((c) => c.id === coupon.id)!;
  beforeEach(() => {
    f = couponApplicationFixture();
    h = couponHandlersOf(f);
    coupon = CouponMother.stored({ userId, validUntil: new Date('2026-03-01T00:00:00Z') });
    f.coupons.insert(coupon);
  });

  it('gives the coupon locked to the cancelled order back (AVAILABLE); a redelivery changes nothing and nothing is announced', async () => {
    await h.reserve.execute({ orderId, userId, couponId: coupon.id, subtotal: 8_000 });

    expect(await h.release.execute({ orderId })).toEqual({ outcome: 'released' });
    expect(await h.release.execute({ orderId })).toEqual({ outcome: 'nothing-to-release', status: 'RELEASED' });

    expect([stored().status, stored().orderId]).toEqual(['AVAILABLE', null]);
    expect(f.reservations.all().map((r) => r.status)).toEqual(['RELEASED']);
    expect(f.outbox.events.map((e) => e.type)).toEqual(['coupon.reserved.v1']);
  });

  it('records a tombstone for an order never seen and succeeds (an empty rollback); a redelivery changes nothing', async () => {
    expect(await h.release.execute({ orderId })).toEqual({ outcome: 'tombstoned' });
    expect(await h.release.execute({ orderId })).toEqual({ outcome: 'nothing-to-release', status: 'CANCELLED_UNSEEN' });

    expect(f.reservations.all().map((r) => [r.id, r.status])).toEqual([[orderId, 'CANCELLED_UNSEEN']]);
    expect(stored().status).toBe('AVAILABLE');
    expect(f.outbox.events).toEqual([]);
  });

  it('has nothing to release for a rejected reservation, and leaves the coupon (locked to another order) alone', async () => {
    const otherOrder = newId();
    await h.reserve.execute({ orderId: otherOrder, userId, couponId: coupon.id, subtotal: 8_000 });
    await h.reserve.execute({ orderId, userId, couponId: coupon.id, subtotal: 8_000 });

    expect(await h.release.execute({ orderId })).toEqual({ outcome: 'nothing-to-release', status: 'REJECTED' });
    expect([stored().status, stored().orderId]).toEqual(['LOCKED', otherOrder]);
  });

  it('does not take a confirmed order’s coupon back', async () => {
    await h.reserve.execute({ orderId, userId, couponId: coupon.id, subtotal: 8_000 });
    await h.confirm.execute({ orderId });

    expect(await h.release.execute({ orderId })).toEqual({ outcome: 'nothing-to-release', status: 'CONFIRMED' });
    expect(stored().status).toBe('USED');
  });
});
