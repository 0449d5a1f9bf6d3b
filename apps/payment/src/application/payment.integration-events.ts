import { eventOf, PaymentFailedV1, PaymentRefundedV1, PaymentSucceededV1 } from '@shop/contracts';
import { unmappedDomainEvent, type IntegrationEventMapping } from '@shop/shared-kernel';
import type { PaymentEvent } from '../domain/payment.events.js';

/**
 * What other contexts hear of the payment context's domain events: a payment succeeded, failed, was
 * refunded. The one mapping of the context; the payment repository saves through it
 * (`AggregateRepository`). A new domain event type does not compile until it has its case here.
 */
export const paymentIntegrationEvents: IntegrationEventMapping<PaymentEvent> = (event) => {
  switch (event.type) {
    case 'PaymentSucceeded':
      return [
        eventOf(PaymentSucceededV1, event.aggregateId, {
          paymentId: event.aggregateId,
          orderId: event.orderId,
          userId: event.userId,
          amount: event.amount,
          succeededAt: event.occurredAt.toISOString(),
        }),
      ];
    case 'PaymentFailed':
      return [
        eventOf(PaymentFailedV1, event.aggregateId, {
          paymentId: event.aggregateId,
          orderId: event.orderId,
          userId: event.userId,
          amount: event.amount,
          reason: event.reason,
          failedAt: event.occurredAt.toISOString(),
        }),
      ];
    case 'PaymentRefunded':
      return [
        eventOf(PaymentRefundedV1, event.aggregateId, {
          paymentId: event.aggregateId,
          orderId: event.orderId,
          userId: event.userId,
          amount: event.amount,
          refundedAt: event.occurredAt.toISOString(),
        }),
      ];
    default:
      return unmappedDomainEvent(event);
  }
};
