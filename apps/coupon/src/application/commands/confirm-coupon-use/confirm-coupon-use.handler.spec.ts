import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import type { Coupon } from '../../../domain/coupon.js';
import { CouponMother } from '../../../domain/testing/coupon.mother.js';
import { couponApplicationFixture, type CouponApplicationFixture } from '../../testing/coupon-application.fixture.js';
import { couponHandlersOf } from '../../testing/coupon-handlers.js';

describe('ConfirmCouponUseHandler', () => {
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

  it('marks the paid order’s coupon USED; a redelivery changes nothing and nothing more is announced', async () => {
    await h.reserve.execute({ orderId, userId, couponId: coupon.id, subtotal: 8_000 });

    expect(await h.confirm.execute({ orderId })).toEqual({ outcome: 'confirmed' });
    expect(await h.confirm.execute({ orderId })).toEqual({ outcome: 'ignored', status: 'CONFIRMED' });

    expect([stored().status, stored().orderId]).toEqual(['USED', orderId]);
    expect(f.reservations.all().map((r) => r.status)).toEqual(['CONFIRMED']);
    expect(f.outbox.events.map((e) => e.type)).toEqual(['coupon.reserved.v1']);
  });

  it('uses the coupon even when its window ended while the order was being paid (a LOCKED coupon is never expired)', async () => {
    await h.reserve.execute({ orderId, userId, couponId: coupon.id, subtotal: 8_000 });
    f.clock.set(new Date('2026-03-02T00:00:00Z'));
    expect(await h.confirm.execute({ orderId })).toEqual({ outcome: 'confirmed' });
    expect(stored().status).toBe('USED');
  });

  it('ignores an order it holds nothing for: unknown, rejected, released, tombstoned', async () => {
    expect(await h.confirm.execute({ orderId: newId() })).toEqual({ outcome: 'ignored', status: null });

    const rejected = newId();
    await h.reserve.execute({ orderId: rejected, userId: newId(), couponId: coupon.id, subtotal: 8_000 });
    expect(await h.confirm.execute({ orderId: rejected })).toEqual({ outcome: 'ignored', status: 'REJECTED' });

    await h.reserve.execute({ orderId, userId, couponId: coupon.id, subtotal: 8_000 });
    await h.release.execute({ orderId });
    expect(await h.confirm.execute({ orderId })).toEqual({ outcome: 'ignored', status: 'RELEASED' });

    const tombstoned = newId();
    await h.release.execute({ orderId: tombstoned });
    expect(await h.confirm.execute({ orderId: tombstoned })).toEqual({ outcome: 'ignored', status: 'CANCELLED_UNSEEN' });

    expect(stored().status).toBe('AVAILABLE');
  });
});
