import { PointsReservationRejectedV1, PointsReservedV1, eventOf } from '@shop/contracts';
import { unmappedDomainEvent, type IntegrationEventMapping } from '@shop/shared-kernel';
import type { PointsContextEvent } from '../domain/points.events.js';

/**
 * What other contexts hear of the points context's domain events: only the saga's answers to the
 * order context. The one mapping of the context; every repository of the context saves through it
 * (`AggregateRepository`). A new domain event type does not compile until it has its case here.
 */
export const pointsIntegrationEvents: IntegrationEventMapping<PointsContextEvent> = (event) => {
  switch (event.type) {
    case 'PointsReserved':
      return [
        eventOf(PointsReservedV1, event.aggregateId, {
          orderId: event.aggregateId,
          userId: event.userId,
          points: event.points,
          reservedAt: event.occurredAt.toISOString(),
        }),
      ];
    case 'PointsReservationRejected':
      return [
        eventOf(PointsReservationRejectedV1, event.aggregateId, {
          orderId: event.aggregateId,
          userId: event.userId,
          points: event.points,
          reason: event.reason,
          rejectedAt: event.occurredAt.toISOString(),
        }),
      ];
    // The ledger and the saga's later steps stay inside the context: the order context already knows it
    // cancelled, paid or refunded, and users read their points through the HTTP routes.
    case 'PointsLedgerEntryAppended':
    case 'OrderPointsTombstoned':
    case 'OrderPointsReleased':
    case 'OrderPointsPaid':
    case 'OrderPointsRefunded':
      return [];
    default:
      return unmappedDomainEvent(event);
  }
};
