import { AWAITED_EVENTS, producerOf } from '../awaited-events.js';
import type { ContextDefinition } from '../context.js';
import { CONTEXTS } from '../contexts.js';
import type { EventContract } from '../envelope.js';
import { EVENTS_EXCHANGE, EVENT_HEADERS, deadLetterQueueNameOf, queueNameOf, retryQueueNameOf } from '../event-routing.js';
import { eventEnvelopeSchema } from '../schema-registry.js';
import { consumersOf, retryDelaysOf, subscriptionsOf, type SubscriptionManifest } from '../subscriptions.js';

/** The virtual host the document names when it is given none: RabbitMQ's default, the one `AMQP_URL` names unless it ends in another. */
export const DEFAULT_VHOST = '/';

const AMQP_BINDING_VERSION = '0.3.0';
const HEADERS_SCHEMA = 'EventHeaders';
const CORRELATION_ID = 'correlationId';

type Json = Record<string, unknown>;
type Ref = { readonly $ref: string };

export interface AsyncApiChannel {
  readonly address: string;
  readonly title: string;
  readonly description: string;
  readonly messages: Readonly<Record<string, Ref>>;
  readonly bindings: { readonly amqp: Json };
}

export interface AsyncApiOperation {
  readonly action: 'send' | 'receive';
  readonly channel: Ref;
  readonly messages: readonly Ref[];
  readonly title: string;
  readonly summary: string;
  readonly description: string;
  readonly tags: readonly { readonly name: string }[];
  readonly bindings: { readonly amqp: Json };
  /** The service that sends or receives: one document describes every service of the platform. */
  readonly 'x-shop-service': string;
  /** A receiver's queue (`<service>.events`), bound to the channel's routing key; or the queue a retry or dead-letter operation moves to. */
  readonly 'x-shop-queue'?: string;
  /** A receiver's retry delays before its dead-letter queue. */
  readonly 'x-shop-retry-delays-ms'?: readonly number[];
}

export interface AsyncApiMessage {
  readonly name: string;
  readonly title: string;
  readonly summary: string;
  readonly contentType: 'application/json';
  readonly headers: Ref;
  readonly payload: Ref;
  readonly correlationId: Ref;
  readonly bindings: { readonly amqp: Json };
}

/** An AsyncAPI 3.0.0 document: the part of the specification this platform's document uses. */
export interface AsyncApiDocument {
  readonly asyncapi: '3.0.0';
  readonly info: { readonly title: string; readonly version: string; readonly description: string; readonly tags: readonly Json[] };
  readonly defaultContentType: 'application/json';
  readonly servers: Readonly<Record<string, Json>>;
  readonly channels: Readonly<Record<string, AsyncApiChannel>>;
  readonly operations: Readonly<Record<string, AsyncApiOperation>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, unknown>>;
    readonly messages: Readonly<Record<string, AsyncApiMessage>>;
    readonly correlationIds: Readonly<Record<string, Json>>;
  };
}

export interface AsyncApiOptions {
  /** The contexts described; `CONTEXTS` by default. */
  readonly contexts?: readonly ContextDefinition[];
  /** Events consumed ahead of their producer's registration; `AWAITED_EVENTS` by default. */
  readonly awaited?: readonly EventContract[];
  /** The document's `info.version`. */
  readonly version?: string;
  /** The RabbitMQ virtual host of `AMQP_URL`; `DEFAULT_VHOST` (`/`) by default. */
  readonly vhost?: string;
}

type HeaderKey = keyof typeof EVENT_HEADERS;

/** The envelope's fields that travel as headers; their schemas are the envelope's own. */
const ENVELOPE_HEADER_FIELDS = ['source', 'aggregateId', 'correlationId', 'causationId', 'occurredAt', 'sequence'] as const satisfies readonly (HeaderKey &
  keyof typeof eventEnvelopeSchema.properties)[];

/** What each header says, and when it is there. */
const HEADER_DESCRIPTIONS: Readonly<Record<HeaderKey, string>> = {
  source: 'The service that produced the event',
  aggregateId: 'The aggregate the event is about',
  correlationId: 'The id of the request that started the chain (also the AMQP `correlationId` property)',
  causationId: 'The id of the message or request that directly caused this one; absent for none',
  occurredAt: 'When the event happened',
  sequence: "1, 2, 3, … for the events of one aggregate, in its producer's outbox order; absent on older messages",
  traceparent:
    'W3C trace context of the publish span (https://www.w3.org/TR/trace-context/#traceparent-header); present only when the producer traces. A malformed one is ignored.',
  tracestate: 'W3C trace state that goes with `traceparent`, when there is one',
  attempt: 'On a redelivery from a retry queue: the attempt number (1 is the first delivery; 1 again after a replay)',
  originalRoutingKey: 'On a redelivery from a retry queue: the routing key the event was first published with',
  error: "On a dead letter: the last error's message (cut at 4000 characters)",
  attempts: 'On a dead letter: the attempts made',
  failedAt: 'On a dead letter: when the service gave up on it',
  service: 'On a dead letter: the service that gave up on it',
  replayedAt: 'On a dead letter sent back to its queue (`npm run dlq -- replay`): when; its failure headers are removed then',
};

/** The headers that are not envelope fields: the trace context and the consumer's retry, dead-letter and replay marks. */
const OTHER_HEADER_SCHEMAS: Readonly<Record<Exclude<HeaderKey, (typeof ENVELOPE_HEADER_FIELDS)[number]>, Json>> = {
  // What the producer writes: a version-00 traceparent; a longer tracestate than the outbox column's 512 is never sent.
  traceparent: { type: 'string', pattern: '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$' },
  tracestate: { type: 'string', maxLength: 512 },
  attempt: { type: 'integer', minimum: 1 },
  originalRoutingKey: { type: 'string' },
  error: { type: 'string' },
  attempts: { type: 'integer', minimum: 1 },
  failedAt: { type: 'string', format: 'date-time' },
  service: { type: 'string' },
  replayedAt: { type: 'string', format: 'date-time' },
};

/**
 * Every header a message of these channels may carry (`EVENT_HEADERS`), each with its schema: the envelope
 * fields' from the envelope schema (a null causation id is simply absent), the others' above.
 */
function eventHeadersSchema(): Json {
  const envelope = eventEnvelopeSchema;
  const properties: Record<string, Json> = {};
  for (const key of Object.keys(EVENT_HEADERS) as HeaderKey[]) {
    const own: Json = (ENVELOPE_HEADER_FIELDS as readonly string[]).includes(key)
      ? { ...envelope.properties[key as (typeof ENVELOPE_HEADER_FIELDS)[number]] }
      : { ...OTHER_HEADER_SCHEMAS[key as keyof typeof OTHER_HEADER_SCHEMAS] };
    if (Array.isArray(own['type'])) own['type'] = (own['type'] as string[]).find((type) => type !== 'null');
    properties[EVENT_HEADERS[key]] = { ...own, description: HEADER_DESCRIPTIONS[key] };
  }
  const nullable = (field: string) => JSON.stringify(envelope.properties[field as keyof typeof envelope.properties]).includes('"null"');
  const required = ENVELOPE_HEADER_FIELDS.filter((field) => (envelope.required as readonly string[]).includes(field) && !nullable(field));
  return { type: 'object', required: required.map((field) => EVENT_HEADERS[field]), properties };
}

const ref = (path: string): Ref => ({ $ref: `#/${path}` });

/** A reader's name for an event type: `order.placed.v1` → `order placed (v1)`. */
const titleOf = (type: string): string => {
  const [context, ...rest] = type.split('.');
  const version = rest.pop();
  return `${context} ${rest.join(' ').replaceAll('-', ' ')} (${version})`;
};

const listOf = (names: readonly string[]): string => names.map((name) => `\`${name}\``).join(', ');

/** A channel whose address is a queue (`is: queue`), holding the given messages. */
function queueChannel(queue: string, title: string, description: string, messages: Record<string, Ref>, vhost: string): AsyncApiChannel {
  return {
    address: queue,
    title,
    description,
    messages,
    bindings: {
      amqp: { is: 'queue', queue: { name: queue, durable: true, exclusive: false, autoDelete: false, vhost }, bindingVersion: AMQP_BINDING_VERSION },
    },
  };
}

/**
 * The platform's events as an AsyncAPI 3.0.0 document, from the contracts: a channel per event type (the
 * routing key on the topic exchange `shop.events`), its message (the event's payload schema, the
 * envelope's AMQP headers), a `send` operation by the context that publishes it and a `receive`
 * operation by each subscriber of the manifest (`subscriptionsOf`), on its queue `<service>.events`.
 */
export function asyncApiDocument(options: AsyncApiOptions = {}): AsyncApiDocument {
  const contexts = options.contexts ?? CONTEXTS;
  const awaited = options.awaited ?? AWAITED_EVENTS;
  const manifest = subscriptionsOf(contexts, awaited);
  const events = [
    ...contexts.flatMap((context) => context.events.map((event) => ({ event, publisher: context.name as string | undefined }))),
    ...awaited.map((event) => ({ event, publisher: undefined })),
  ];

  const channels: Record<string, AsyncApiChannel> = {};
  const operations: Record<string, AsyncApiOperation> = {};
  const schemas: Record<string, unknown> = { [HEADERS_SCHEMA]: eventHeadersSchema() };
  const vhost = options.vhost ?? DEFAULT_VHOST;
  const messages: Record<string, AsyncApiMessage> = {};
  for (const { event, publisher } of events) {
    const { type } = event;
    const subscribers = consumersOf(manifest, type);
    const channelRef = ref(`channels/${type}`);
    const messageRef = ref(`channels/${type}/messages/${type}`);
    const producedBy = publisher ? `Published by the \`${publisher}\` service` : `Awaited from \`${producerOf(type)}\`, which publishes nothing yet`;
    schemas[type] = event.schema;
    messages[type] = {
      name: type,
      title: titleOf(type),
      summary: `${producedBy}; ${subscribers.length === 0 ? 'no service receives it yet' : `received by ${listOf(subscribers)}`}.`,
      contentType: 'application/json',
      headers: ref(`components/schemas/${HEADERS_SCHEMA}`),
      payload: ref(`components/schemas/${type}`),
      correlationId: ref(`components/correlationIds/${CORRELATION_ID}`),
      bindings: { amqp: { messageType: type, bindingVersion: AMQP_BINDING_VERSION } },
    };
    channels[type] = {
      address: type,
      title: titleOf(type),
      description:
        `Routing key \`${type}\` on the topic exchange \`${EVENTS_EXCHANGE}\`. ${producedBy}; ` +
        (subscribers.length === 0 ? 'not bound to any queue.' : `bound to the queues ${listOf(subscribers.map(queueNameOf))}.`),
      messages: { [type]: ref(`components/messages/${type}`) },
      bindings: {
        amqp: {
          is: 'routingKey',
          exchange: { name: EVENTS_EXCHANGE, type: 'topic', durable: true, autoDelete: false, vhost },
          bindingVersion: AMQP_BINDING_VERSION,
        },
      },
    };
    if (publisher) {
      operations[`${publisher}.send.${type}`] = {
        action: 'send',
        channel: channelRef,
        messages: [messageRef],
        title: `${publisher} sends ${type}`,
        summary: `The \`${publisher}\` service publishes ${type}`,
        description:
          "Written to the service's outbox in the transaction of the change it reports, then published by its relay: persistent, mandatory, confirmed by the broker (at least once).",
        tags: [{ name: publisher }],
        bindings: { amqp: { deliveryMode: 2, mandatory: true, timestamp: true, bindingVersion: AMQP_BINDING_VERSION } },
        'x-shop-service': publisher,
      };
    }
    for (const subscriber of subscribers) {
      const retryDelaysMs = retryDelaysOf(manifest, subscriber);
      operations[`${subscriber}.receive.${type}`] = {
        action: 'receive',
        channel: channelRef,
        messages: [messageRef],
        title: `${subscriber} receives ${type}`,
        summary: `The \`${subscriber}\` service consumes ${type} from its queue \`${queueNameOf(subscriber)}\``,
        description:
          `Handled once per message id (an inbox deduplicates redeliveries). A failed handling is retried after ${retryDelaysMs.map((ms) => `${ms} ms`).join(', ')} ` +
          `(queues ${listOf(retryDelaysMs.map((ms) => retryQueueNameOf(subscriber, ms)))}), then dead-lettered to \`${deadLetterQueueNameOf(subscriber)}\` (\`npm run dlq\`); ` +
          'a message that does not match its schema is dead-lettered at once.',
        tags: [{ name: subscriber }],
        bindings: { amqp: { ack: true, bindingVersion: AMQP_BINDING_VERSION } },
        'x-shop-service': subscriber,
        'x-shop-queue': queueNameOf(subscriber),
        'x-shop-retry-delays-ms': retryDelaysMs,
      };
    }
  }
  addRetryAndDeadLetterQueues(manifest, channels, operations, vhost);

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Shop platform events',
      version: options.version ?? '1.0.0',
      description:
        `The integration events between the shop platform's services, on the RabbitMQ topic exchange \`${EVENTS_EXCHANGE}\` (routing key = event type). ` +
        'Each message is an event envelope: the body is the JSON payload; the AMQP properties carry `messageId` (the event id, unique: consumers deduplicate on it), ' +
        '`type` (the event type), `correlationId`, `timestamp` and `contentType` `application/json`; the headers carry the rest of the envelope and, when tracing is on, ' +
        'the W3C `traceparent`/`tracestate` of the publish. Each consuming service reads its own queue `<service>.events`; ' +
        'its retry queues `<service>.events.retry.<ms>` and its dead-letter queue `<service>.events.dlq` are channels here too. ' +
        'In the embedded run mode the same envelopes travel through an in-memory transport instead of the broker.',
      tags: contexts.map((context) => ({ name: context.name, description: `The ${context.name} service` })),
    },
    defaultContentType: 'application/json',
    servers: {
      rabbitmq: {
        host: 'localhost:5672',
        protocol: 'amqp',
        protocolVersion: '0.9.1',
        description:
          'The broker of `AMQP_URL` (`npm run start:services` uses amqp://guest:guest@127.0.0.1:5672; docker compose, `rabbitmq:5672`). ' +
          `The exchange and queues are in its virtual host \`${vhost}\` (the one \`AMQP_URL\` names; \`/\` when it names none).`,
      },
    },
    channels,
    operations,
    components: {
      schemas,
      messages,
      correlationIds: {
        [CORRELATION_ID]: {
          description: 'The id of the request that started the chain: every event it causes carries it',
          location: '$message.header#/correlationId',
        },
      },
    },
  };
}

/**
 * Each subscriber's retry queues and dead-letter queue, as channels (`is: queue`) holding the events it
 * subscribes to, with the `send` by which its consumer moves a failed delivery there. They are reached
 * through the default exchange (routing key = queue name), never through `shop.events`.
 */
function addRetryAndDeadLetterQueues(
  manifest: SubscriptionManifest,
  channels: Record<string, AsyncApiChannel>,
  operations: Record<string, AsyncApiOperation>,
  vhost: string,
): void {
  for (const { service, eventTypes } of manifest) {
    const queue = queueNameOf(service);
    const messagesOf = (channel: string) => ({
      channel: Object.fromEntries(eventTypes.map((type) => [type, ref(`components/messages/${type}`)])),
      refs: eventTypes.map((type) => ref(`channels/${channel}/messages/${type}`)),
    });
    const moved = (channel: string, title: string, summary: string, description: string): AsyncApiOperation => ({
      action: 'send',
      channel: ref(`channels/${channel}`),
      messages: messagesOf(channel).refs,
      title,
      summary,
      description,
      tags: [{ name: service }],
      bindings: { amqp: { deliveryMode: 2, mandatory: true, bindingVersion: AMQP_BINDING_VERSION } },
      'x-shop-service': service,
      'x-shop-queue': channels[channel]!.address,
    });
    for (const delayMs of new Set(retryDelaysOf(manifest, service))) {
      const retryQueue = retryQueueNameOf(service, delayMs);
      channels[retryQueue] = queueChannel(
        retryQueue,
        `${service}: retry after ${delayMs} ms`,
        `Holds a delivery of \`${queue}\` whose handling failed for ${delayMs} ms (per-queue message TTL), then the broker dead-letters it back to \`${queue}\`.`,
        messagesOf(retryQueue).channel,
        vhost,
      );
      operations[`${service}.retry.${delayMs}`] = moved(
        retryQueue,
        `${service} retries after ${delayMs} ms`,
        `The \`${service}\` service sends a failed delivery to wait ${delayMs} ms before its next attempt`,
        `A copy of the message with \`${EVENT_HEADERS.attempt}\` (the next attempt) and \`${EVENT_HEADERS.originalRoutingKey}\`, then the original is acked.`,
      );
    }
    const deadLetters = deadLetterQueueNameOf(service);
    channels[deadLetters] = queueChannel(
      deadLetters,
      `${service}: dead letters`,
      `What \`${service}\` gave up on: deliveries that failed every retry or did not match their contract, and those the broker itself dead-lettered after too many redeliveries (with its \`x-death\` header). ` +
        `They stay until \`npm run dlq -- replay ${service}\` sends them back to \`${queue}\` (with \`${EVENT_HEADERS.replayedAt}\`).`,
      messagesOf(deadLetters).channel,
      vhost,
    );
    operations[`${service}.dead-letter`] = moved(
      deadLetters,
      `${service} dead-letters a delivery`,
      `The \`${service}\` service moves a delivery it gave up on to \`${deadLetters}\``,
      `A copy of the message with \`${EVENT_HEADERS.error}\`, \`${EVENT_HEADERS.attempts}\`, \`${EVENT_HEADERS.failedAt}\`, \`${EVENT_HEADERS.service}\` and \`${EVENT_HEADERS.originalRoutingKey}\`, then the original is acked.`,
    );
  }
}
