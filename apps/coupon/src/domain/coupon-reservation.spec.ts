import { describe, expect, it } from 'vitest';
import { Money, newId } from '@shop/shared-kernel';
import { CouponReservation, type CouponReservationStatus } from './coupon-reservation.js';
import { IllegalReservationTransitionError } from './coupon.errors.js';
import { CouponReservationMother } from './testing/coupon.mother.js';

const now = new Date('2026-03-15T00:00:00.000Z');
const later = new Date('2026-03-15T00:05:00.000Z');
const orderId = newId();
const couponId = newId();
const userId = newId();

const inStatus = (status: CouponReservationStatus) =>
  CouponReservationMother.stored({
    orderId,
    couponId: status === 'CANCELLED_UNSEEN' ? null : couponId,
    userId: status === 'CANCELLED_UNSEEN' ? null : userId,
    status,
    reason: status === 'REJECTED' ? 'NOT_OWNER' : null,
  });

describe('CouponReservation', () => {
  it('is reserved for the order with the discount, recording CouponReserved (its id is the order id)', () => {
    const reservation = CouponReservation.reserved(orderId, couponId, userId, Money.ofMinor(750), now);
    expect(reservation.id).toBe(orderId);
    expect(reservation.toSnapshot()).toEqual({
      orderId,
      couponId,
      userId,
      status: 'RESERVED',
      discount: Money.ofMinor(750),
      reason: null,
      createdAt: now,
      updatedAt: now,
    });
    expect(reservation.pullDomainEvents()).toEqual([{ type: 'CouponReserved', aggregateId: orderId, occurredAt: now, couponId, userId, discount: 750 }]);
  });

  it('is rejected with a reason, recording CouponReservationRejected', () => {
    const reservation = CouponReservation.rejected(orderId, couponId, userId, 'BELOW_MIN_SPEND', now);
    expect(reservation.toSnapshot()).toMatchObject({ status: 'REJECTED', reason: 'BELOW_MIN_SPEND', discount: null });
    expect(reservation.pullDomainEvents()).toEqual([
      { type: 'CouponReservationRejected', aggregateId: orderId, occurredAt: now, couponId, userId, reason: 'BELOW_MIN_SPEND' },
    ]);
  });

  it('is a tombstone when the cancellation comes first; the late placement is then rejected ORDER_CANCELLED', () => {
    const reservation = CouponReservation.tombstone(orderId, now);
    expect(reservation.isTombstone).toBe(true);
    expect(reservation.toSnapshot()).toMatchObject({ status: 'CANCELLED_UNSEEN', couponId: null, userId: null });
    expect(reservation.pullDomainEvents()).toEqual([{ type: 'CouponReservationTombstoned', aggregateId: orderId, occurredAt: now }]);

    reservation.rejectLate(couponId, userId, later);
    expect(reservation.toSnapshot()).toMatchObject({ status: 'REJECTED', reason: 'ORDER_CANCELLED', couponId, userId, createdAt: now, updatedAt: later });
    expect(reservation.pullDomainEvents()).toEqual([
      { type: 'CouponReservationRejected', aggregateId: orderId, occurredAt: later, couponId, userId, reason: 'ORDER_CANCELLED' },
    ]);
  });

  it.each<CouponReservationStatus>(['RESERVED', 'REJECTED', 'RELEASED', 'CONFIRMED', 'REFUNDED'])('refuses a late rejection when %s', (status) => {
    expect(() => inStatus(status).rejectLate(couponId, userId, later)).toThrow(expect.objectContaining({ code: 'INVALID_RESERVATION_STATE' }));
  });

  it('walks RESERVED → CONFIRMED → REFUNDED, recording each step', () => {
    const reservation = inStatus('RESERVED');
    expect(reservation.confirm(later)).toBe(true);
    expect(reservation.status).toBe('CONFIRMED');
    expect(reservation.refund(later)).toBe(true);
    expect(reservation.status).toBe('REFUNDED');
    expect(reservation.pullDomainEvents()).toEqual([
      { type: 'CouponReservationConfirmed', aggregateId: orderId, occurredAt: later, couponId },
      { type: 'CouponReservationRefunded', aggregateId: orderId, occurredAt: later, couponId },
    ]);
  });

  it('releases RESERVED, recording CouponReservationReleased', () => {
    const reservation = inStatus('RESERVED');
    expect(reservation.release(later)).toBe(true);
    expect(reservation.status).toBe('RELEASED');
    expect(reservation.pullDomainEvents()).toEqual([{ type: 'CouponReservationReleased', aggregateId: orderId, occurredAt: later, couponId }]);
  });

  it.each<[string, CouponReservationStatus, (r: CouponReservation) => boolean]>([
    ['release', 'REJECTED', (r) => r.release(later)],
    ['release', 'RELEASED', (r) => r.release(later)],
    ['release', 'CANCELLED_UNSEEN', (r) => r.release(later)],
    ['confirm', 'CONFIRMED', (r) => r.confirm(later)],
    ['refund', 'REFUNDED', (r) => r.refund(later)],
  ])('a repeated or empty %s on %s changes nothing', (_, status, step) => {
    const reservation = inStatus(status);
    expect(step(reservation)).toBe(false);
    expect(reservation.toSnapshot()).toEqual(inStatus(status).toSnapshot());
    expect(reservation.pullDomainEvents()).toEqual([]);
  });

  it.each<[string, CouponReservationStatus, (r: CouponReservation) => unknown]>([
    ['release', 'CONFIRMED', (r) => r.release(later)],
    ['release', 'REFUNDED', (r) => r.release(later)],
    ['confirm', 'REJECTED', (r) => r.confirm(later)],
    ['confirm', 'RELEASED', (r) => r.confirm(later)],
    ['confirm', 'REFUNDED', (r) => r.confirm(later)],
    ['confirm', 'CANCELLED_UNSEEN', (r) => r.confirm(later)],
    ['refund', 'RESERVED', (r) => r.refund(later)],
    ['refund', 'REJECTED', (r) => r.refund(later)],
    ['refund', 'RELEASED', (r) => r.refund(later)],
    ['refund', 'CANCELLED_UNSEEN', (r) => r.refund(later)],
  ])('refuses to %s when %s with INVALID_RESERVATION_STATE', (_, status, step) => {
    const reservation = inStatus(status);
    expect(() => step(reservation)).toThrow(IllegalReservationTransitionError);
    expect(() => step(reservation)).toThrow(
      expect.objectContaining({ code: 'INVALID_RESERVATION_STATE', details: expect.objectContaining({ orderId, status }) }),
    );
    expect(reservation.status).toBe(status);
  });

  it('restores from a snapshot without recording anything', () => {
    const original = CouponReservation.reserved(orderId, couponId, userId, Money.ofMinor(1), now);
    const restored = CouponReservation.restore(original.toSnapshot());
    expect(restored.toSnapshot()).toEqual(original.toSnapshot());
    expect(restored.pullDomainEvents()).toEqual([]);
  });
});
