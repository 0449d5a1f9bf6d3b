import { describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { ORDER_POINTS_STATUSES, OrderPoints, type OrderPointsStatus } from './order-points.js';
import { IllegalOrderPointsTransitionError, OrderPointsMismatchError } from './points.errors.js';
import { Points } from './points.js';
import { OrderPointsMother } from './testing/points.mother.js';

const now = new Date('2026-03-15T00:00:00.000Z');
const later = new Date('2026-03-15T00:05:00.000Z');
const orderId = newId();
const userId = newId();

const inStatus = (status: OrderPointsStatus) => OrderPointsMother.stored({ orderId, ...(status === 'CANCELLED_UNSEEN' ? {} : { userId }), status });

type Step = (order: OrderPoints) => unknown;
const steps: Record<string, Step> = {
  rejectLate: (o) => o.rejectLate(userId, Points.of(300), later),
  release: (o) => o.release(later),
  confirmPaid: (o) => o.confirmPaid(Points.of(12), later, { userId, pointsToUse: Points.of(300) }),
  refund: (o) => o.refund(later),
};

/** What each step does from each status: 'moves' to a status, 'no-op' (false), or 'illegal' (throws). */
const transitions: Record<string, Record<OrderPointsStatus, OrderPointsStatus | 'no-op' | 'illegal'>> = {
  rejectLate: { RESERVED: 'illegal', REJECTED: 'illegal', RELEASED: 'illegal', CANCELLED_UNSEEN: 'REJECTED', PAID: 'illegal', REFUNDED: 'illegal' },
  release: { RESERVED: 'RELEASED', REJECTED: 'no-op', RELEASED: 'no-op', CANCELLED_UNSEEN: 'no-op', PAID: 'illegal', REFUNDED: 'illegal' },
  confirmPaid: { RESERVED: 'PAID', REJECTED: 'illegal', RELEASED: 'illegal', CANCELLED_UNSEEN: 'illegal', PAID: 'no-op', REFUNDED: 'no-op' },
  refund: { RESERVED: 'illegal', REJECTED: 'illegal', RELEASED: 'illegal', CANCELLED_UNSEEN: 'illegal', PAID: 'REFUNDED', REFUNDED: 'no-op' },
};
const cases = (kind: 'illegal' | 'no-op') =>
  Object.entries(transitions).flatMap(([step, from]) =>
    ORDER_POINTS_STATUSES.filter((status) => from[status] === kind).map((status) => [step, status] as [string, OrderPointsStatus]),
  );

describe('OrderPoints', () => {
  it('is reserved for the order with the frozen points, recording PointsReserved (its id is the order id)', () => {
    const order = OrderPoints.reserved(orderId, userId, Points.of(300), now);
    expect(order.id).toBe(orderId);
    expect(order.toSnapshot()).toEqual({ orderId, userId, status: 'RESERVED', points: 300, earned: 0, reason: null, createdAt: now, updatedAt: now });
    expect(order.pullDomainEvents()).toEqual([{ type: 'PointsReserved', aggregateId: orderId, occurredAt: now, userId, points: 300 }]);
  });

  it('is rejected with the reason and the points asked, recording PointsReservationRejected', () => {
    const order = OrderPoints.rejected(orderId, userId, Points.of(500), 'INSUFFICIENT_POINTS', now);
    expect(order.toSnapshot()).toMatchObject({ status: 'REJECTED', reason: 'INSUFFICIENT_POINTS', points: 500 });
    expect(order.pullDomainEvents()).toEqual([
      { type: 'PointsReservationRejected', aggregateId: orderId, occurredAt: now, userId, points: 500, reason: 'INSUFFICIENT_POINTS' },
    ]);
  });

  it('is paid without points when the order used none, remembering what it earned', () => {
    const order = OrderPoints.paidWithoutPoints(orderId, userId, Points.of(88), now);
    expect(order.toSnapshot()).toEqual({ orderId, userId, status: 'PAID', points: 0, earned: 88, reason: null, createdAt: now, updatedAt: now });
    expect(order.pullDomainEvents()).toEqual([{ type: 'OrderPointsPaid', aggregateId: orderId, occurredAt: now, userId, spent: 0, earned: 88 }]);
  });

  it('is a tombstone when the cancellation comes first; the late placement is then rejected ORDER_CANCELLED', () => {
    const order = OrderPoints.tombstone(orderId, now);
    expect(order.isTombstone).toBe(true);
    expect(order.toSnapshot()).toEqual({
      orderId,
      userId: null,
      status: 'CANCELLED_UNSEEN',
      points: 0,
      earned: 0,
      reason: null,
      createdAt: now,
      updatedAt: now,
    });
    expect(order.pullDomainEvents()).toEqual([{ type: 'OrderPointsTombstoned', aggregateId: orderId, occurredAt: now }]);

    order.rejectLate(userId, Points.of(300), later);
    expect(order.isTombstone).toBe(false);
    expect(order.toSnapshot()).toEqual({
      orderId,
      userId,
      status: 'REJECTED',
      points: 300,
      earned: 0,
      reason: 'ORDER_CANCELLED',
      createdAt: now,
      updatedAt: later,
    });
    expect(order.pullDomainEvents()).toEqual([
      { type: 'PointsReservationRejected', aggregateId: orderId, occurredAt: later, userId, points: 300, reason: 'ORDER_CANCELLED' },
    ]);
  });

  it('releases RESERVED, recording OrderPointsReleased with the points to give back', () => {
    const order = inStatus('RESERVED');
    expect(order.release(later)).toBe(true);
    expect(order.toSnapshot()).toMatchObject({ status: 'RELEASED', points: 300, updatedAt: later });
    expect(order.pullDomainEvents()).toEqual([{ type: 'OrderPointsReleased', aggregateId: orderId, occurredAt: later, userId, points: 300 }]);
  });

  it('walks RESERVED → PAID (with what it earned) → REFUNDED, recording each step', () => {
    const order = inStatus('RESERVED');
    expect(order.confirmPaid(Points.of(12), later, { userId: userId.toUpperCase(), pointsToUse: Points.of(300) })).toBe(true);
    expect(order.toSnapshot()).toMatchObject({ status: 'PAID', points: 300, earned: 12 });
    expect(order.refund(later)).toBe(true);
    expect(order.toSnapshot()).toMatchObject({ status: 'REFUNDED', points: 300, earned: 12 });
    expect(order.pullDomainEvents()).toEqual([
      { type: 'OrderPointsPaid', aggregateId: orderId, occurredAt: later, userId, spent: 300, earned: 12 },
      { type: 'OrderPointsRefunded', aggregateId: orderId, occurredAt: later, userId, spent: 300, earned: 12 },
    ]);
  });

  it.each([
    ['another user', { userId: newId(), pointsToUse: Points.of(300) }],
    ['other points', { userId, pointsToUse: Points.of(299) }],
    ['no points', { userId, pointsToUse: Points.zero }],
  ])('refuses a payment naming %s than reserved with ORDER_POINTS_MISMATCH (both named), changing nothing', (_, paidAs) => {
    const order = inStatus('RESERVED');
    expect(order.isFor(paidAs.userId, paidAs.pointsToUse)).toBe(false);
    expect(() => order.confirmPaid(Points.of(12), later, paidAs)).toThrow(OrderPointsMismatchError);
    expect(() => order.confirmPaid(Points.of(12), later, paidAs)).toThrow(
      expect.objectContaining({
        code: 'ORDER_POINTS_MISMATCH',
        details: { orderId, step: 'paid', recorded: { userId, points: 300 }, asked: { userId: paidAs.userId, points: paidAs.pointsToUse.value } },
      }),
    );
    expect(order.toSnapshot()).toEqual(inStatus('RESERVED').toSnapshot());
    expect(order.pullDomainEvents()).toEqual([]);
  });

  it('is for the user and points it was decided with, in any spelling of the user id', () => {
    const order = inStatus('RESERVED');
    expect(order.isFor(userId, Points.of(300))).toBe(true);
    expect(order.isFor(`urn:uuid:${userId.toUpperCase()}`, Points.of(300))).toBe(true);
    expect(inStatus('CANCELLED_UNSEEN').isFor(userId, Points.zero)).toBe(false);
  });

  it('keeps its ids in one spelling, lower case, from every factory and the late rejection; refuses what is not a UUID', () => {
    const [ORDER, USER] = [orderId.toUpperCase(), userId.toUpperCase()];
    const made = [
      OrderPoints.reserved(ORDER, USER, Points.of(1), now),
      OrderPoints.rejected(ORDER, USER, Points.of(1), 'INSUFFICIENT_POINTS', now),
      OrderPoints.paidWithoutPoints(ORDER, USER, Points.of(1), now),
    ];
    for (const order of made)
      expect([order.orderId, order.userId, order.pullDomainEvents()[0]]).toEqual([orderId, userId, expect.objectContaining({ aggregateId: orderId, userId })]);
    const tombstone = OrderPoints.tombstone(ORDER, now);
    expect(tombstone.orderId).toBe(orderId);
    tombstone.rejectLate(USER, Points.of(1), later);
    expect(tombstone.userId).toBe(userId);

    const invalid = expect.objectContaining({ code: 'INVALID_VALUE' });
    expect(() => OrderPoints.reserved(`urn:uuid:${orderId}`, userId, Points.of(1), now)).toThrow(invalid);
    expect(() => OrderPoints.rejected(orderId, 'user-1', Points.of(1), 'INSUFFICIENT_POINTS', now)).toThrow(invalid);
    expect(() => OrderPoints.paidWithoutPoints(orderId, '', Points.of(1), now)).toThrow(invalid);
    expect(() => OrderPoints.tombstone('order-1', now)).toThrow(invalid);
    expect(() => OrderPoints.tombstone(orderId, now).rejectLate('user-1', Points.of(1), later)).toThrow(invalid);
  });

  it.each(cases('no-op'))('a repeated or empty %s on %s changes nothing and records nothing', (step, status) => {
    const order = inStatus(status);
    expect(steps[step]!(order)).toBe(false);
    expect(order.toSnapshot()).toEqual(inStatus(status).toSnapshot());
    expect(order.pullDomainEvents()).toEqual([]);
  });

  it.each(cases('illegal'))('refuses to %s when %s with ILLEGAL_ORDER_POINTS_TRANSITION', (step, status) => {
    const order = inStatus(status);
    expect(() => steps[step]!(order)).toThrow(IllegalOrderPointsTransitionError);
    expect(() => steps[step]!(order)).toThrow(
      expect.objectContaining({ code: 'ILLEGAL_ORDER_POINTS_TRANSITION', details: expect.objectContaining({ orderId, status }) }),
    );
    expect(order.toSnapshot()).toEqual(inStatus(status).toSnapshot());
    expect(order.pullDomainEvents()).toEqual([]);
  });

  it.each(ORDER_POINTS_STATUSES)('restores from a snapshot in %s (round trip) without recording anything', (status) => {
    const original = inStatus(status);
    const restored = OrderPoints.restore(original.toSnapshot());
    expect(restored.toSnapshot()).toEqual(original.toSnapshot());
    expect(restored.pullDomainEvents()).toEqual([]);
  });
});
