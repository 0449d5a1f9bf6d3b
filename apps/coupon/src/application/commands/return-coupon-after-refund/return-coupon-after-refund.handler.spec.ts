import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import type { Coupon } from '../../../domain/coupon.js';
import { CouponMother } from '../../../domain/testing/coupon.mother.js';
import { couponApplicationFixture, type CouponApplicationFixture } from '../../testing/coupon-application.fixture.js';
import { couponHandlersOf } from '../../testing/coupon-handlers.js';

const validUntil = new Date('2026-03-01T00:00:00.000Z');

describe('ReturnCouponAfterRefundHandler', () => {
  let f: CouponApplicationFixture;
  let h: ReturnType<typeof couponHandlersOf>;
  let coupon: Coupon;
  const userId = newId();
  const orderId = newId();
  const stored = () => f.coupons.all().find((c) => c.id === coupon.id)!;
  beforeEach(async () => {
    f = couponApplicationFixture();
    h = couponHandlersOf(f);
    coupon = CouponMother.stored({ userId, validUntil });
    f.coupons.insert(coupon);
    await h.reserve.execute({ orderId, userId, couponId: coupon.id, subtotal: 8_000 });
  });

  it('gives the coupon of a refunded order back AVAILABLE while still valid; a redelivery changes nothing', async () => {
    await h.confirm.execute({ orderId });
    f.clock.set(new Date(validUntil.getTime() - 1));

    expect(await h.returnAfterRefund.execute({ orderId })).toEqual({ outcome: 'returned', couponStatus: 'AVAILABLE' });
    expect(await h.returnAfterRefund.execute({ orderId })).toEqual({ outcome: 'ignored', status: 'REFUNDED' });

    expect([stored().status, stored().orderId]).toEqual(['AVAILABLE', null]);
    expect(f.reservations.all().map((r) => r.status)).toEqual(['REFUNDED']);
    expect(f.outbox.events.map((e) => e.type)).toEqual(['coupon.reserved.v1']);
    // Its owner can use it on a new order.
    expect(await h.reserve.execute({ orderId: newId(), userId, couponId: coupon.id, subtotal: 8_000 })).toMatchObject({ outcome: 'reserved' });
  });

  it('gives it back EXPIRED once its validity has ended (at validUntil itself); a redelivery changes nothing', async () => {
    await h.confirm.execute({ orderId });
    f.clock.set(validUntil);

    expect(await h.returnAfterRefund.execute({ orderId })).toEqual({ outcome: 'returned', couponStatus: 'EXPIRED' });
    expect(await h.returnAfterRefund.execute({ orderId })).toEqual({ outcome: 'ignored', status: 'REFUNDED' });
    expect([stored().status, stored().orderId]).toEqual(['EXPIRED', null]);
  });

  it('handles a refund that overtook the payment’s confirmation: confirmed and returned at once; the late confirmation then does nothing', async () => {
    expect(await h.returnAfterRefund.execute({ orderId })).toEqual({ outcome: 'returned', couponStatus: 'AVAILABLE' });
    expect(await h.confirm.execute({ orderId })).toEqual({ outcome: 'ignored', status: 'REFUNDED' });
    expect(stored().status).toBe('AVAILABLE');
  });

  it('ignores an order it holds nothing for: unknown, released, rejected', async () => {
    expect(await h.returnAfterRefund.execute({ orderId: newId() })).toEqual({ outcome: 'ignored', status: null });

    await h.release.execute({ orderId });
    expect(await h.returnAfterRefund.execute({ orderId })).toEqual({ outcome: 'ignored', status: 'RELEASED' });

    const rejected = newId();
    await h.reserve.execute({ orderId: rejected, userId: newId(), couponId: coupon.id, subtotal: 8_000 });
    expect(await h.returnAfterRefund.execute({ orderId: rejected })).toEqual({ outcome: 'ignored', status: 'REJECTED' });
    expect(stored().status).toBe('AVAILABLE');
  });
});
