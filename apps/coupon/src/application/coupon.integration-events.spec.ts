import { describe, expect, it } from 'vitest';
import { CouponReservationRejectedV1, CouponReservedV1, EventSchemaRegistry } from '@shop/contracts';
import { UnmappedDomainEventError, newId } from '@shop/shared-kernel';
import type { CouponContextEvent } from '../domain/coupon.events.js';
import { couponIntegrationEvents } from './coupon.integration-events.js';

const at = new Date('2026-02-01T08:00:00.000Z');
const orderId = newId();
const couponId = newId();
const userId = newId();
const schemas = new EventSchemaRegistry([CouponReservedV1, CouponReservationRejectedV1]);

describe('couponIntegrationEvents', () => {
  it('announces a reservation as coupon.reserved.v1, valid against its published schema', () => {
    const events = couponIntegrationEvents({ type: 'CouponReserved', aggregateId: orderId, occurredAt: at, couponId, userId, discount: 1_250 });
    expect(events).toEqual([
      { type: 'coupon.reserved.v1', aggregateId: orderId, payload: { orderId, couponId, userId, discount: 1_250, reservedAt: at.toISOString() } },
    ]);
    expect(() => schemas.validatePayload(CouponReservedV1.type, events[0]!.payload)).not.toThrow();
  });

  it.each(['NOT_FOUND', 'NOT_OWNER', 'NOT_AVAILABLE', 'EXPIRED', 'BELOW_MIN_SPEND', 'ORDER_CANCELLED'] as const)(
    'announces a rejection (%s) as coupon.reservation-rejected.v1, valid against its published schema',
    (reason) => {
      const events = couponIntegrationEvents({ type: 'CouponReservationRejected', aggregateId: orderId, occurredAt: at, couponId, userId, reason });
      expect(events).toEqual([
        { type: 'coupon.reservation-rejected.v1', aggregateId: orderId, payload: { orderId, couponId, userId, reason, rejectedAt: at.toISOString() } },
      ]);
      expect(() => schemas.validatePayload(CouponReservationRejectedV1.type, events[0]!.payload)).not.toThrow();
    },
  );

  it.each<CouponContextEvent>([
    { type: 'CouponTemplateCreated', aggregateId: 't', occurredAt: at, name: 'n', discount: { kind: 'amount_off', amountOff: 1, minSpend: 0 }, totalStock: 1 },
    { type: 'CouponTemplatePaused', aggregateId: 't', occurredAt: at },
    { type: 'CouponTemplateResumed', aggregateId: 't', occurredAt: at },
    { type: 'CouponIssued', aggregateId: 'c', occurredAt: at, templateId: 't', userId, validFrom: at, validUntil: at },
    { type: 'CouponLocked', aggregateId: 'c', occurredAt: at, orderId, discount: 1 },
    { type: 'CouponReleased', aggregateId: 'c', occurredAt: at, orderId },
    { type: 'CouponUsed', aggregateId: 'c', occurredAt: at, orderId },
    { type: 'CouponReturned', aggregateId: 'c', occurredAt: at, orderId, status: 'AVAILABLE' },
    { type: 'CouponExpired', aggregateId: 'c', occurredAt: at },
    { type: 'CouponReservationTombstoned', aggregateId: orderId, occurredAt: at },
    { type: 'CouponReservationReleased', aggregateId: orderId, occurredAt: at, couponId },
    { type: 'CouponReservationConfirmed', aggregateId: orderId, occurredAt: at, couponId },
    { type: 'CouponReservationRefunded', aggregateId: orderId, occurredAt: at, couponId },
  ])('keeps $type inside the context', (event) => {
    expect(couponIntegrationEvents(event)).toEqual([]);
  });

  it('fails loudly on a domain event it has no case for', () => {
    const stray = { type: 'CouponRenamed', aggregateId: 'c', occurredAt: at } as unknown as CouponContextEvent;
    expect(() => couponIntegrationEvents(stray)).toThrow(UnmappedDomainEventError);
  });
});
