/**
 * Where the integration events travel on RabbitMQ and what their messages carry besides the payload:
 * the names `@shop/messaging` declares and writes, and the AsyncAPI document describes, from one place.
 */

/** The topic exchange every service publishes to; routing key = event type (`order.placed.v1`). */
export const EVENTS_EXCHANGE = 'shop.events';

/** A consuming service's queue, bound to the exchange for each event type it handles. */
export const queueNameOf = (service: string): string => `${service}.events`;

/** Holds a failed delivery for `delayMs`, then the broker moves it back to the service's queue. */
export const retryQueueNameOf = (service: string, delayMs: number): string => `${queueNameOf(service)}.retry.${delayMs}`;

/** Where a delivery ends that failed every retry, or did not match its contract. */
export const deadLetterQueueNameOf = (service: string): string => `${queueNameOf(service)}.dlq`;

/**
 * The AMQP headers of an event message, by what they carry. The envelope's `id`, `type` and payload
 * travel as the AMQP `messageId`, `type` and body; its other fields as the first six headers. Ours never
 * start with `x-`, which belongs to the broker (`x-death`, …).
 */
export const EVENT_HEADERS = {
  source: 'source',
  aggregateId: 'aggregateId',
  correlationId: 'correlationId',
  causationId: 'causationId',
  occurredAt: 'occurredAt',
  /** The envelope's per-aggregate `sequence`, a number; absent when the envelope has none. */
  sequence: 'sequence',
  /** W3C Trace Context of the relay's `send` span (the envelope's `traceContext`); absent when not traced. */
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  /** 1 on the first delivery; set on every copy sent to a retry queue. */
  attempt: 'shop-attempt',
  /** The routing key the event was first published with (retries travel under the queue's name). */
  originalRoutingKey: 'shop-original-routing-key',
  /** On a dead letter: why, after how many attempts, when, and which service gave up. */
  error: 'shop-error',
  attempts: 'shop-attempts',
  failedAt: 'shop-failed-at',
  service: 'shop-service',
  /** On a dead letter sent back to its queue (`npm run dlq -- replay`): when. */
  replayedAt: 'shop-replayed-at',
} as const;

export type EventHeaderName = (typeof EVENT_HEADERS)[keyof typeof EVENT_HEADERS];
