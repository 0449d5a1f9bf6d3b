import { beforeEach, describe, expect, it } from 'vitest';
import { Money, newId } from '@shop/shared-kernel';
import { codeOf } from '@shop/testing';
import { PercentOff } from '../../../domain/discount/percent-off.js';
import { CouponMother, CouponTemplateMother } from '../../../domain/testing/coupon.mother.js';
import { couponApplicationFixture, type CouponApplicationFixture } from '../../testing/coupon-application.fixture.js';
import { couponHandlersOf } from '../../testing/coupon-handlers.js';

describe('ListMyCouponsHandler', () => {
  let f: CouponApplicationFixture;
  let h: ReturnType<typeof couponHandlersOf>;
  const userId = newId();
  const day = (n: number) => new Date(Date.UTC(2026, 0, n));
  beforeEach(() => {
    f = couponApplicationFixture();
    h = couponHandlersOf(f);
  });

  it('lists the user’s coupons newest first, with the campaign’s name and terms, and nobody else’s', async () => {
    const template = CouponTemplateMother.stored({ name: 'Ten percent', discount: new PercentOff(10, Money.ofMinor(2_000)) });
    const oldest = CouponMother.of(template, { userId, issuedAt: day(1) });
    const newest = CouponMother.of(template, { userId, issuedAt: day(3), status: 'LOCKED', orderId: newId() });
    const middle = CouponMother.of(template, { userId, issuedAt: day(2), status: 'USED', orderId: newId() });
    for (const coupon of [oldest, newest, middle, CouponMother.stored({ issuedAt: day(4) })]) f.coupons.insert(coupon);

    const mine = await h.listMine.execute({ userId });

    expect(mine.map((c) => c.couponId)).toEqual([newest.id, middle.id, oldest.id]);
    expect(mine[0]).toEqual({
      couponId: newest.id,
      templateId: template.id,
      name: 'Ten percent',
      discount: { kind: 'percent_off', percentOff: 10, maxOff: 2_000, minSpend: 0 },
      status: 'LOCKED',
      validFrom: newest.validFrom.toISOString(),
      validUntil: newest.validUntil.toISOString(),
      orderId: newest.orderId,
    });
  });

  it('filters by status and honours the limit (default 100, at most 200)', async () => {
    // Inside the coupons' window (the epoch + 30 days).
    f.clock.set(day(15));
    for (let i = 1; i <= 5; i++) f.coupons.insert(CouponMother.stored({ userId, issuedAt: day(i), status: i % 2 ? 'AVAILABLE' : 'EXPIRED' }));
    for (let i = 0; i < 150; i++) f.coupons.insert(CouponMother.stored({ userId, issuedAt: day(10), status: 'USED', orderId: newId() }));

    expect((await h.listMine.execute({ userId, status: 'EXPIRED' })).map((c) => c.status)).toEqual(['EXPIRED', 'EXPIRED']);
    expect(await h.listMine.execute({ userId, status: 'AVAILABLE', limit: 2 })).toHaveLength(2);
    expect(await h.listMine.execute({ userId })).toHaveLength(100);
    expect(await h.listMine.execute({ userId, limit: 200 })).toHaveLength(155);
  });

  it('shows an AVAILABLE coupon past its end as EXPIRED, and filters it so, before the expiry job moves it', async () => {
    const ended = CouponMother.stored({ userId, issuedAt: day(2), validUntil: new Date('2026-02-01T08:00:00.000Z') });
    const running = CouponMother.stored({ userId, issuedAt: day(1), validUntil: new Date('2026-02-01T08:00:00.001Z') });
    const locked = CouponMother.stored({ userId, issuedAt: day(3), status: 'LOCKED', orderId: newId(), validUntil: day(4) });
    for (const coupon of [ended, running, locked]) f.coupons.insert(coupon);

    const statuses = async (status?: 'AVAILABLE' | 'EXPIRED') =>
      (await h.listMine.execute({ userId, ...(status ? { status } : {}) })).map((c) => [c.couponId, c.status]);
    // At validUntil itself the coupon is over; a LOCKED one is its order's to settle.
    expect(await statuses()).toEqual([
      [locked.id, 'LOCKED'],
      [ended.id, 'EXPIRED'],
      [running.id, 'AVAILABLE'],
    ]);
    expect(await statuses('EXPIRED')).toEqual([[ended.id, 'EXPIRED']]);
    expect(await statuses('AVAILABLE')).toEqual([[running.id, 'AVAILABLE']]);
    expect(f.coupons.all().find((c) => c.id === ended.id)?.status).toBe('AVAILABLE');
  });

  it.each([0, 201, 1.5])('refuses a limit of %s', async (limit) => {
    expect(await codeOf(h.listMine.execute({ userId, limit }))).toBe('INVALID_VALUE');
  });

  it('refuses an unknown status', async () => {
    expect(await codeOf(h.listMine.execute({ userId, status: 'LOST' as never }))).toBe('INVALID_VALUE');
  });
});
