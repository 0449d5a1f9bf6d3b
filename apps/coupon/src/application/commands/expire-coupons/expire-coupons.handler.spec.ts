import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { codeOf } from '@shop/testing';
import type { CouponStatus } from '../../../domain/coupon.js';
import { CouponMother } from '../../../domain/testing/coupon.mother.js';
import { couponApplicationFixture, type CouponApplicationFixture } from '../../testing/coupon-application.fixture.js';
import { couponHandlersOf } from '../../testing/coupon-handlers.js';

const now = new Date('2026-02-01T08:00:00.000Z');

describe('ExpireCouponsHandler', () => {
  let f: CouponApplicationFixture;
  let h: ReturnType<typeof couponHandlersOf>;
  const put = (status: CouponStatus, validUntil: Date) => {
    const coupon = CouponMother.stored({ status, validUntil, orderId: status === 'LOCKED' || status === 'USED' ? newId() : null });
    f.coupons.insert(coupon);
    return coupon.id;
  };
  const statusOf = (id: string) => f.coupons.all().find((c) => c.id === id)?.status;
  beforeEach(() => {
    f = couponApplicationFixture();
    h = couponHandlersOf(f);
  });

  it('expires AVAILABLE coupons whose window has ended (validUntil <= now), never a LOCKED or USED one, nor one still valid', async () => {
    const due = put('AVAILABLE', now);
    const longDue = put('AVAILABLE', new Date('2026-01-15T00:00:00Z'));
    const stillValid = put('AVAILABLE', new Date(now.getTime() + 1));
    const locked = put('LOCKED', new Date('2026-01-15T00:00:00Z'));
    const used = put('USED', new Date('2026-01-15T00:00:00Z'));

    expect(await h.expire.execute({ limit: 500 })).toBe(2);

    expect([statusOf(due), statusOf(longDue), statusOf(stillValid), statusOf(locked), statusOf(used)]).toEqual([
      'EXPIRED',
      'EXPIRED',
      'AVAILABLE',
      'LOCKED',
      'USED',
    ]);
    expect(await h.expire.execute({ limit: 500 })).toBe(0);
    expect(f.outbox.events).toEqual([]);
  });

  it('works in bounded batches', async () => {
    for (let i = 0; i < 5; i++) put('AVAILABLE', new Date('2026-01-15T00:00:00Z'));
    expect(await h.expire.execute({ limit: 2 })).toBe(2);
    expect(await h.expire.execute({ limit: 2 })).toBe(2);
    expect(await h.expire.execute({ limit: 2 })).toBe(1);
    expect(f.coupons.all().every((c) => c.status === 'EXPIRED')).toBe(true);
  });

  it.each([0, -1, 1.5])('refuses a batch size of %s', async (limit) => {
    expect(await codeOf(h.expire.execute({ limit }))).toBe('INVALID_VALUE');
  });
});
