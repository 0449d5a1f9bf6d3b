import { describe, expect, it } from 'vitest';
import { EventSchemaRegistry, PointsReservationRejectedV1, PointsReservedV1, POINTS_RESERVATION_REJECTION_REASONS } from '@shop/contracts';
import { UnmappedDomainEventError, newId } from '@shop/shared-kernel';
import type { PointsContextEvent } from '../domain/points.events.js';
import { pointsIntegrationEvents } from './points.integration-events.js';

const at = new Date('2026-02-01T08:00:00.000Z');
const orderId = newId();
const userId = newId();
const schemas = new EventSchemaRegistry([PointsReservedV1, PointsReservationRejectedV1]);

describe('pointsIntegrationEvents', () => {
  it('announces a reservation as points.reserved.v1, valid against its published schema', () => {
    const events = pointsIntegrationEvents({ type: 'PointsReserved', aggregateId: orderId, occurredAt: at, userId, points: 1_250 });
    expect(events).toEqual([{ type: 'points.reserved.v1', aggregateId: orderId, payload: { orderId, userId, points: 1_250, reservedAt: at.toISOString() } }]);
    expect(() => schemas.validatePayload(PointsReservedV1.type, events[0]!.payload)).not.toThrow();
  });

  it.each(POINTS_RESERVATION_REJECTION_REASONS)(
    'announces a rejection (%s) as points.reservation-rejected.v1, valid against its published schema',
    (reason) => {
      const events = pointsIntegrationEvents({ type: 'PointsReservationRejected', aggregateId: orderId, occurredAt: at, userId, points: 300, reason });
      expect(events).toEqual([
        { type: 'points.reservation-rejected.v1', aggregateId: orderId, payload: { orderId, userId, points: 300, reason, rejectedAt: at.toISOString() } },
      ]);
      expect(() => schemas.validatePayload(PointsReservationRejectedV1.type, events[0]!.payload)).not.toThrow();
    },
  );

  it.each<PointsContextEvent>([
    {
      type: 'PointsLedgerEntryAppended',
      aggregateId: userId,
      occurredAt: at,
      entry: {
        key: `BONUS:${userId}`,
        userId,
        kind: 'BONUS',
        orderId: null,
        delta: { available: 1, frozen: 0, earned: 1, debt: 0 },
        after: { available: 1, frozen: 0, lifetimeEarned: 1, debt: 0 },
        createdAt: at,
      },
    },
    { type: 'OrderPointsTombstoned', aggregateId: orderId, occurredAt: at },
    { type: 'OrderPointsReleased', aggregateId: orderId, occurredAt: at, userId, points: 1 },
    { type: 'OrderPointsPaid', aggregateId: orderId, occurredAt: at, userId, spent: 1, earned: 1 },
    { type: 'OrderPointsRefunded', aggregateId: orderId, occurredAt: at, userId, spent: 1, earned: 1 },
  ])('keeps $type inside the context', (event) => {
    expect(pointsIntegrationEvents(event)).toEqual([]);
  });

  it('fails loudly on a domain event it has no case for', () => {
    const stray = { type: 'PointsExpired', aggregateId: userId, occurredAt: at } as unknown as PointsContextEvent;
    expect(() => pointsIntegrationEvents(stray)).toThrow(UnmappedDomainEventError);
  });
});
