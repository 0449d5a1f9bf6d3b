import { CouponReservationRejectedV1, CouponReservedV1, eventOf } from '@shop/contracts';
import { unmappedDomainEvent, type IntegrationEventMapping } from '@shop/shared-kernel';
import type { CouponContextEvent } from '../domain/coupon.events.js';

/**
 * What other contexts hear of the coupon context's domain events: only the saga's answers to the
 * order context. The one mapping of the context; every repository of the context saves through it
 * (`AggregateRepository`). A new domain event type does not compile until it has its case here.
 */
export const couponIntegrationEvents: IntegrationEventMapping<CouponContextEvent> = (event) => {
  switch (event.type) {
    case 'CouponReserved':
      return [
        eventOf(CouponReservedV1, event.aggregateId, {
          orderId: event.aggregateId,
          couponId: event.couponId,
          userId: event.userId,
          discount: event.discount,
          reservedAt: event.occurredAt.toISOString(),
        }),
      ];
    case 'CouponReservationRejected':
      return [
        eventOf(CouponReservationRejectedV1, event.aggregateId, {
          orderId: event.aggregateId,
          couponId: event.couponId,
          userId: event.userId,
          reason: event.reason,
          rejectedAt: event.occurredAt.toISOString(),
        }),
      ];
    // Campaigns, coupons and the saga's later steps stay inside the context: the order context
    // already knows it cancelled, paid or refunded, and nobody else keeps a copy of coupons.
    case 'CouponTemplateCreated':
    case 'CouponTemplatePaused':
    case 'CouponTemplateResumed':
    case 'CouponIssued':
    case 'CouponLocked':
    case 'CouponReleased':
    case 'CouponUsed':
    case 'CouponReturned':
    case 'CouponExpired':
    case 'CouponReservationTombstoned':
    case 'CouponReservationReleased':
    case 'CouponReservationConfirmed':
    case 'CouponReservationRefunded':
      return [];
    default:
      return unmappedDomainEvent(event);
  }
};
