import type { Channel } from 'amqplib';
import { retryDelaysOf, retryQueueNameOf, type SubscriptionManifest } from '@shop/contracts';
import { EVENTS_EXCHANGE, deadLetterQueueNameOf, queueNameOf } from '../transport/transport.js';

// The queue names are the contracts' (the AsyncAPI document names the same queues).
export { retryQueueNameOf };

/** The default exchange: routes to the queue named by the routing key. */
export const DEFAULT_EXCHANGE = '';

/**
 * Redeliveries of one message (consumer crashes, requeues, broker restarts) after which the broker
 * dead-letters it by itself: a safety net for a poison message that kills its consumer before the
 * retry path can run. Part of the queue's arguments, so it is a constant: every instance of a service
 * must declare the queue with the same value (change it through a policy, not here).
 */
export const DELIVERY_LIMIT = 20;

const QUORUM = { 'x-queue-type': 'quorum' } as const;

/**
 * Dead-lettering that survives a broker crash: the broker keeps the message until the target queue
 * has confirmed it. RabbitMQ only allows it together with `reject-publish` overflow.
 */
const deadLetterTo = (queue: string) =>
  ({
    'x-dead-letter-exchange': DEFAULT_EXCHANGE,
    'x-dead-letter-routing-key': queue,
    'x-dead-letter-strategy': 'at-least-once',
    'x-overflow': 'reject-publish',
  }) as const;

export const mainQueueArguments = (service: string) => ({
  ...QUORUM,
  ...deadLetterTo(deadLetterQueueNameOf(service)),
  'x-delivery-limit': DELIVERY_LIMIT,
});

/** A retry queue holds a message for `delayMs`, then the broker moves it back to the main queue. */
export const retryQueueArguments = (service: string, delayMs: number) => ({
  ...QUORUM,
  ...deadLetterTo(queueNameOf(service)),
  'x-message-ttl': delayMs,
});

export const deadLetterQueueArguments = () => ({ ...QUORUM });

export async function declareEventsExchange(channel: Channel): Promise<void> {
  await channel.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
}

export interface ServiceTopology {
  readonly service: string;
  readonly eventTypes: readonly string[];
  readonly retryDelaysMs: readonly number[];
}

/**
 * Declares everything a consuming service needs. Idempotent: the same arguments every time, so it
 * runs on every (re)connect. Bindings are only ever added; a key a service stops handling must be
 * unbound by hand (AMQP cannot list a queue's bindings).
 */
export async function declareServiceTopology(channel: Channel, topology: ServiceTopology): Promise<void> {
  const { service } = topology;
  await declareEventsExchange(channel);
  // The DLQ first: the main queue dead-letters into it.
  await channel.assertQueue(deadLetterQueueNameOf(service), { durable: true, arguments: deadLetterQueueArguments() });
  await channel.assertQueue(queueNameOf(service), { durable: true, arguments: mainQueueArguments(service) });
  for (const delayMs of new Set(topology.retryDelaysMs)) {
    await channel.assertQueue(retryQueueNameOf(service, delayMs), { durable: true, arguments: retryQueueArguments(service, delayMs) });
  }
  for (const eventType of new Set(topology.eventTypes)) {
    await channel.bindQueue(queueNameOf(service), EVENTS_EXCHANGE, eventType);
  }
}

/**
 * Declares the queues of every service in the manifest (each one's DLQ, main queue, retry queues and
 * bindings), so that an event published before its consumer first runs waits in that consumer's
 * queue. Every service runs it at start and on every publisher reconnect; the arguments are the
 * ones the consumers declare, so the declarations never conflict.
 */
export async function declareManifestTopology(channel: Channel, manifest: SubscriptionManifest): Promise<void> {
  await declareEventsExchange(channel);
  for (const { service, eventTypes } of manifest) {
    await declareServiceTopology(channel, { service, eventTypes, retryDelaysMs: retryDelaysOf(manifest, service) });
  }
}
