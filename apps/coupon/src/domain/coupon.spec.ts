import { describe, expect, it } from 'vitest';
import { Money, newId } from '@shop/shared-kernel';
import { Coupon, type CouponStatus } from './coupon.js';
import { CouponReservationRefusedError, IllegalCouponTransitionError } from './coupon.errors.js';
import { AmountOff } from './discount/amount-off.js';
import { PercentOff } from './discount/percent-off.js';
import { CouponMother } from './testing/coupon.mother.js';

const validFrom = new Date('2026-03-01T00:00:00.000Z');
const validUntil = new Date('2026-04-01T00:00:00.000Z');
const now = new Date('2026-03-15T00:00:00.000Z');
const owner = newId();
const orderId = newId();
const fen = (minor: number) => Money.ofMinor(minor);

const coupon = (status: CouponStatus = 'AVAILABLE', overrides: { orderId?: string | null; discount?: AmountOff | PercentOff } = {}) =>
  CouponMother.stored({
    userId: owner,
    validFrom,
    validUntil,
    status,
    orderId: overrides.orderId ?? (status === 'LOCKED' || status === 'USED' ? orderId : null),
    discount: overrides.discount ?? new AmountOff(fen(500), fen(5_000)),
  });

const refusalOf = (attempt: () => unknown) => {
  try {
    attempt();
    return 'reserved';
  } catch (error) {
    expect(error).toBeInstanceOf(CouponReservationRefusedError);
    expect((error as CouponReservationRefusedError).code).toBe((error as CouponReservationRefusedError).reason);
    return (error as CouponReservationRefusedError).reason;
  }
};

describe('Coupon.reserveFor', () => {
  it('locks an AVAILABLE coupon to the order and answers the discount for the subtotal, recording CouponLocked', () => {
    const c = coupon('AVAILABLE', { discount: new PercentOff(15, null, fen(1_000)) });

    expect(c.reserveFor(orderId, owner, fen(9_999), now)).toEqual(fen(1_499));
    expect(c.status).toBe('LOCKED');
    expect(c.orderId).toBe(orderId);
    expect(c.pullDomainEvents()).toEqual([{ type: 'CouponLocked', aggregateId: c.id, occurredAt: now, orderId, discount: 1_499 }]);
  });

  it('answers the same discount again for the order it is locked to, changing nothing', () => {
    const c = coupon('LOCKED');
    expect(c.reserveFor(orderId, owner, fen(6_000), now)).toEqual(fen(500));
    expect(c.pullDomainEvents()).toEqual([]);
  });

  it('checks the minimum spend at its boundary', () => {
    expect(refusalOf(() => coupon().reserveFor(orderId, owner, fen(4_999), now))).toBe('BELOW_MIN_SPEND');
    expect(refusalOf(() => coupon().reserveFor(orderId, owner, fen(5_000), now))).toBe('reserved');
  });

  it.each<[string, AmountOff | PercentOff, number]>([
    ['an amount off on a subtotal of 0', new AmountOff(fen(500)), 0],
    ['a percentage that rounds down to 0 fen', new PercentOff(15), 6],
  ])('refuses BELOW_MIN_SPEND for %s: a coupon is never locked for nothing', (_, discount, subtotal) => {
    const c = coupon('AVAILABLE', { discount });
    expect(refusalOf(() => c.reserveFor(orderId, owner, fen(subtotal), now))).toBe('BELOW_MIN_SPEND');
    expect([c.status, c.orderId]).toEqual(['AVAILABLE', null]);
    expect(c.pullDomainEvents()).toEqual([]);
    expect(refusalOf(() => coupon('AVAILABLE', { discount }).reserveFor(orderId, owner, fen(subtotal + 1), now))).toBe('reserved'); // 1 fen off
  });

  it('checks validity at its boundaries: usable from validFrom, expired at validUntil', () => {
    expect(refusalOf(() => coupon().reserveFor(orderId, owner, fen(6_000), new Date(validFrom.getTime() - 1)))).toBe('NOT_AVAILABLE');
    expect(refusalOf(() => coupon().reserveFor(orderId, owner, fen(6_000), validFrom))).toBe('reserved');
    expect(refusalOf(() => coupon().reserveFor(orderId, owner, fen(6_000), new Date(validUntil.getTime() - 1)))).toBe('reserved');
    expect(refusalOf(() => coupon().reserveFor(orderId, owner, fen(6_000), validUntil))).toBe('EXPIRED');
  });

  it.each<[string, () => Coupon, string, string]>([
    ['another user’s coupon', () => coupon(), newId(), 'NOT_OWNER'],
    ['another user’s coupon, even expired and below min spend', () => coupon('EXPIRED'), newId(), 'NOT_OWNER'],
    ['an EXPIRED coupon', () => coupon('EXPIRED'), owner, 'EXPIRED'],
    ['a coupon LOCKED to another order', () => coupon('LOCKED', { orderId: newId() }), owner, 'NOT_AVAILABLE'],
    ['a USED coupon', () => coupon('USED'), owner, 'NOT_AVAILABLE'],
  ])('refuses %s', (_, make, userId, reason) => {
    const c = make();
    const before = c.toSnapshot();
    expect(refusalOf(() => c.reserveFor(orderId, userId, fen(4_000), now))).toBe(reason);
    expect(c.toSnapshot()).toEqual(before);
    expect(c.pullDomainEvents()).toEqual([]);
  });

  it('says EXPIRED before NOT_AVAILABLE for a used coupon whose window has ended', () => {
    expect(refusalOf(() => coupon('USED').reserveFor(newId(), owner, fen(6_000), validUntil))).toBe('EXPIRED');
  });
});

describe('Coupon.release', () => {
  it('gives a coupon locked to the order back (AVAILABLE), recording CouponReleased', () => {
    const c = coupon('LOCKED');
    expect(c.release(orderId, now)).toBe(true);
    expect([c.status, c.orderId]).toEqual(['AVAILABLE', null]);
    expect(c.pullDomainEvents()).toEqual([{ type: 'CouponReleased', aggregateId: c.id, occurredAt: now, orderId }]);
  });

  it.each<[CouponStatus, string | null]>([
    ['AVAILABLE', null],
    ['LOCKED', newId()],
    ['USED', orderId],
    ['EXPIRED', null],
  ])('leaves a %s coupon (order %s) as it is', (status, lockedTo) => {
    const c = coupon(status, { orderId: lockedTo });
    expect(c.release(orderId, now)).toBe(false);
    expect(c.status).toBe(status);
    expect(c.pullDomainEvents()).toEqual([]);
  });
});

describe('Coupon.confirmUse', () => {
  it('marks the coupon locked to the order USED, recording CouponUsed; again: no change', () => {
    const c = coupon('LOCKED');
    expect(c.confirmUse(orderId, now)).toBe(true);
    expect([c.status, c.orderId]).toEqual(['USED', orderId]);
    expect(c.confirmUse(orderId, now)).toBe(false);
    expect(c.pullDomainEvents()).toEqual([{ type: 'CouponUsed', aggregateId: c.id, occurredAt: now, orderId }]);
  });

  it.each<[CouponStatus, string | null]>([
    ['AVAILABLE', null],
    ['LOCKED', newId()],
    ['USED', newId()],
    ['EXPIRED', null],
  ])('refuses a %s coupon (order %s) with INVALID_COUPON_STATE', (status, lockedTo) => {
    const c = coupon(status, { orderId: lockedTo });
    expect(() => c.confirmUse(orderId, now)).toThrow(IllegalCouponTransitionError);
    expect(() => c.confirmUse(orderId, now)).toThrow(expect.objectContaining({ code: 'INVALID_COUPON_STATE' }));
    expect(c.status).toBe(status);
  });
});

describe('Coupon.returnAfterRefund', () => {
  it('gives a used coupon back AVAILABLE while its window lasts, recording CouponReturned', () => {
    const c = coupon('USED');
    expect(c.returnAfterRefund(orderId, new Date(validUntil.getTime() - 1))).toBe('AVAILABLE');
    expect([c.status, c.orderId]).toEqual(['AVAILABLE', null]);
    expect(c.pullDomainEvents()).toEqual([
      { type: 'CouponReturned', aggregateId: c.id, occurredAt: new Date(validUntil.getTime() - 1), orderId, status: 'AVAILABLE' },
    ]);
  });

  it('gives it back EXPIRED once its window has ended (at validUntil itself)', () => {
    const c = coupon('USED');
    expect(c.returnAfterRefund(orderId, validUntil)).toBe('EXPIRED');
    expect([c.status, c.orderId]).toEqual(['EXPIRED', null]);
    expect(c.pullDomainEvents()).toEqual([{ type: 'CouponReturned', aggregateId: c.id, occurredAt: validUntil, orderId, status: 'EXPIRED' }]);
  });

  it.each<[CouponStatus, string | null]>([
    ['AVAILABLE', null],
    ['LOCKED', orderId],
    ['USED', newId()],
    ['EXPIRED', null],
  ])('refuses a %s coupon (order %s) with INVALID_COUPON_STATE', (status, lockedTo) => {
    const c = coupon(status, { orderId: lockedTo });
    expect(() => c.returnAfterRefund(orderId, now)).toThrow(expect.objectContaining({ code: 'INVALID_COUPON_STATE' }));
    expect(c.status).toBe(status);
  });
});

describe('Coupon.expire', () => {
  it('expires an AVAILABLE coupon at validUntil, recording CouponExpired; again: no change', () => {
    const c = coupon();
    expect(c.expire(validUntil)).toBe(true);
    expect(c.status).toBe('EXPIRED');
    expect(c.expire(validUntil)).toBe(false);
    expect(c.pullDomainEvents()).toEqual([{ type: 'CouponExpired', aggregateId: c.id, occurredAt: validUntil }]);
  });

  it('refuses to expire an AVAILABLE coupon before its end', () => {
    expect(() => coupon().expire(new Date(validUntil.getTime() - 1))).toThrow(expect.objectContaining({ code: 'INVALID_COUPON_STATE' }));
  });

  it.each<CouponStatus>(['LOCKED', 'USED'])('never expires a %s coupon, even past its window', (status) => {
    const c = coupon(status);
    expect(() => c.expire(new Date('2030-01-01T00:00:00Z'))).toThrow(expect.objectContaining({ code: 'INVALID_COUPON_STATE' }));
    expect(c.status).toBe(status);
  });
});

describe('Coupon.restore', () => {
  it('restores from a snapshot without recording anything', () => {
    const original = coupon('LOCKED');
    const restored = Coupon.restore(original.toSnapshot());
    expect(restored.toSnapshot()).toEqual(original.toSnapshot());
    expect(restored.pullDomainEvents()).toEqual([]);
  });
});
