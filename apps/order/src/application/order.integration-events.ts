import { eventOf, OrderAwaitingPaymentV1, OrderCancelledV1, OrderPaidV1, OrderPlacedV1, OrderRefundedV1, OrderRefundRequestedV1 } from '@shop/contracts';
import { unmappedDomainEvent, type IntegrationEventMapping } from '@shop/shared-kernel';
import type { OrderContextEvent } from '../domain/order.events.js';

/**
 * What other contexts hear of the order context's domain events: the saga's steps (placed, awaiting
 * payment, cancelled, paid, refund requested, refunded). The one mapping of the context; every
 * repository of the context saves through it (`AggregateRepository`). A new domain event type does not
 * compile until it has its case here.
 */
export const orderIntegrationEvents: IntegrationEventMapping<OrderContextEvent> = (event) => {
  switch (event.type) {
    case 'OrderPlaced':
      return [
        eventOf(OrderPlacedV1, event.aggregateId, {
          orderId: event.aggregateId,
          userId: event.userId,
          // The event's items carry no name: participants price nothing, they only see what was bought.
          items: event.lines.map(({ sku, quantity, unitPrice, lineTotal }) => ({ sku, quantity, unitPrice, lineTotal })),
          subtotal: event.subtotal,
          couponId: event.couponId,
          pointsToUse: event.pointsToUse,
          placedAt: event.occurredAt.toISOString(),
        }),
      ];
    case 'OrderAwaitingPayment':
      return [
        eventOf(OrderAwaitingPaymentV1, event.aggregateId, {
          orderId: event.aggregateId,
          userId: event.userId,
          subtotal: event.subtotal,
          couponDiscount: event.couponDiscount,
          pointsUsed: event.pointsUsed,
          payable: event.payable,
          paymentDueAt: event.paymentDueAt.toISOString(),
          awaitingSince: event.occurredAt.toISOString(),
        }),
      ];
    case 'OrderCancelled':
      return [
        eventOf(OrderCancelledV1, event.aggregateId, {
          orderId: event.aggregateId,
          userId: event.userId,
          couponId: event.couponId,
          pointsToUse: event.pointsToUse,
          reason: event.reason,
          cancelledAt: event.occurredAt.toISOString(),
        }),
      ];
    case 'OrderPaid':
      return [
        eventOf(OrderPaidV1, event.aggregateId, {
          orderId: event.aggregateId,
          userId: event.userId,
          couponId: event.couponId,
          // The points frozen for the order: the points context spends exactly these (0 when it used none).
          pointsToUse: event.pointsToUse,
          amountPaid: event.amountPaid,
          paidAt: event.occurredAt.toISOString(),
        }),
      ];
    case 'OrderRefundRequested':
      return [
        eventOf(OrderRefundRequestedV1, event.aggregateId, {
          orderId: event.aggregateId,
          userId: event.userId,
          paymentId: event.paymentId,
          amount: event.amount,
          reason: event.reason,
          requestedAt: event.occurredAt.toISOString(),
        }),
      ];
    case 'OrderRefunded':
      return [
        eventOf(OrderRefundedV1, event.aggregateId, {
          orderId: event.aggregateId,
          userId: event.userId,
          couponId: event.couponId,
          pointsToUse: event.pointsToUse,
          amountRefunded: event.amountRefunded,
          refundedAt: event.occurredAt.toISOString(),
        }),
      ];
    // Fulfilment, the saga's intermediate steps, stray refunds and the catalog stay inside the context:
    // customers and admins read them through the HTTP routes.
    case 'OrderFulfilmentAdvanced':
    case 'OrderReplyRecorded':
    case 'OrderStrayPaymentRefunded':
    case 'ProductCreated':
    case 'ProductUpdated':
      return [];
    default:
      return unmappedDomainEvent(event);
  }
};
