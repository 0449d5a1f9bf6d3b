import { AWAITED_EVENTS, producerOf } from '../awaited-events.js';
import type { ContextDefinition } from '../context.js';
import { CONTEXTS } from '../contexts.js';
import type { EventContract } from '../envelope.js';
import { consumersOf, retryDelaysOf, subscriptionsOf } from '../subscriptions.js';

/**
 * The topic exchange every service publishes to, the routing key being the event type. The same name
 * as `@shop/messaging`'s `EVENTS_EXCHANGE` (contracts cannot import messaging, which builds on them).
 */
export const ASYNCAPI_EVENTS_EXCHANGE = 'shop.events';

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
  /** A receiver's queue (`<service>.events`), bound to the channel's routing key. */
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
}

/**
 * The AMQP headers of every event (`@shop/messaging`'s `publishOptionsOf`). The envelope's `id`, `type`
 * and `correlationId` travel as the AMQP properties `messageId`, `type` and `correlationId` besides.
 */
const EVENT_HEADERS_SCHEMA = {
  type: 'object',
  required: ['source', 'aggregateId', 'correlationId', 'occurredAt'],
  properties: {
    source: { type: 'string', minLength: 1, maxLength: 100, description: 'The service that produced the event' },
    aggregateId: { type: 'string', minLength: 1, maxLength: 200, description: 'The aggregate the event is about' },
    correlationId: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      description: 'The id of the request that started the chain (also the AMQP `correlationId` property)',
    },
    causationId: { type: 'string', maxLength: 200, description: 'The id of the message or request that directly caused this one; absent for none' },
    occurredAt: { type: 'string', format: 'date-time', description: 'When the event happened' },
    sequence: {
      type: 'integer',
      minimum: 1,
      description: "1, 2, 3, … for the events of one aggregate, in its producer's outbox order; absent on older messages",
    },
    traceparent: {
      type: 'string',
      pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$',
      description:
        'W3C trace context of the publish span (https://www.w3.org/TR/trace-context/#traceparent-header); present only when the producer traces. A malformed one is ignored.',
    },
    tracestate: {
      type: 'string',
      maxLength: 512,
      description: 'W3C trace state that goes with `traceparent`, when there is one',
    },
    'shop-attempt': {
      type: 'integer',
      minimum: 1,
      description: 'On a redelivery from a retry queue: the attempt number (1 is the first delivery)',
    },
    'shop-original-routing-key': {
      type: 'string',
      description: 'On a redelivery from a retry queue: the routing key the event was first published with',
    },
  },
} as const;

const ref = (path: string): Ref => ({ $ref: `#/${path}` });

/** A reader's name for an event type: `order.placed.v1` → `order placed (v1)`. */
const titleOf = (type: string): string => {
  const [context, ...rest] = type.split('.');
  const version = rest.pop();
  return `${context} ${rest.join(' ').replaceAll('-', ' ')} (${version})`;
};

const queueOf = (service: string): string => `${service}.events`;

const listOf = (names: readonly string[]): string => (names.length === 0 ? 'none' : names.map((name) => `\`${name}\``).join(', '));

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
  const schemas: Record<string, unknown> = { [HEADERS_SCHEMA]: EVENT_HEADERS_SCHEMA };
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
      summary: `${producedBy}; received by ${listOf(subscribers)}.`,
      contentType: 'application/json',
      headers: ref(`components/schemas/${HEADERS_SCHEMA}`),
      payload: ref(`components/schemas/${type}`),
      correlationId: ref(`components/correlationIds/${CORRELATION_ID}`),
      bindings: { amqp: { messageType: type, bindingVersion: AMQP_BINDING_VERSION } },
    };
    channels[type] = {
      address: type,
      title: titleOf(type),
      description: `Routing key \`${type}\` on the topic exchange \`${ASYNCAPI_EVENTS_EXCHANGE}\`. ${producedBy}; bound to the queues ${listOf(subscribers.map(queueOf))}.`,
      messages: { [type]: ref(`components/messages/${type}`) },
      bindings: {
        amqp: {
          is: 'routingKey',
          exchange: { name: ASYNCAPI_EVENTS_EXCHANGE, type: 'topic', durable: true, autoDelete: false, vhost: '/' },
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
        summary: `The \`${subscriber}\` service consumes ${type} from its queue \`${queueOf(subscriber)}\``,
        description:
          `Handled once per message id (an inbox deduplicates redeliveries). A failed handling is retried after ${retryDelaysMs.map((ms) => `${ms} ms`).join(', ')} ` +
          `(queues \`${queueOf(subscriber)}.retry.<ms>\`), then dead-lettered to \`${queueOf(subscriber)}.dlq\` (\`npm run dlq\`); a message that does not match its schema is dead-lettered at once.`,
        tags: [{ name: subscriber }],
        bindings: { amqp: { ack: true, bindingVersion: AMQP_BINDING_VERSION } },
        'x-shop-service': subscriber,
        'x-shop-queue': queueOf(subscriber),
        'x-shop-retry-delays-ms': retryDelaysMs,
      };
    }
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Shop platform events',
      version: options.version ?? '1.0.0',
      description:
        `The integration events between the shop platform's services, on the RabbitMQ topic exchange \`${ASYNCAPI_EVENTS_EXCHANGE}\` (routing key = event type). ` +
        'Each message is an event envelope: the body is the JSON payload; the AMQP properties carry `messageId` (the event id, unique: consumers deduplicate on it), ' +
        '`type` (the event type), `correlationId`, `timestamp` and `contentType` `application/json`; the headers carry the rest of the envelope and, when tracing is on, ' +
        'the W3C `traceparent`/`tracestate` of the publish. Each consuming service reads its own queue `<service>.events`. ' +
        'In the embedded run mode the same envelopes travel through an in-memory transport instead of the broker.',
      tags: contexts.map((context) => ({ name: context.name, description: `The ${context.name} service` })),
    },
    defaultContentType: 'application/json',
    servers: {
      rabbitmq: {
        host: 'localhost:5672',
        protocol: 'amqp',
        protocolVersion: '0.9.1',
        description: 'The broker of `AMQP_URL` (`npm run start:services` uses amqp://guest:guest@127.0.0.1:5672; docker compose, `rabbitmq:5672`)',
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
