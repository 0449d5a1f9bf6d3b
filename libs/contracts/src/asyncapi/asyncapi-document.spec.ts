import { DiagnosticSeverity, Parser, type AsyncAPIDocumentInterface, type Diagnostic } from '@asyncapi/parser';
import Type from 'typebox';
import { beforeAll, describe, expect, it } from 'vitest';
import { defineContext, type ContextDefinition } from '../context.js';
import { CONTEXTS } from '../contexts.js';
import { defineEvent } from '../envelope.js';
import { EVENTS_EXCHANGE, EVENT_HEADERS, deadLetterQueueNameOf, retryQueueNameOf } from '../event-routing.js';
import { publishedLanguage } from '../published-language.js';
import { eventEnvelopeSchema } from '../schema-registry.js';
import { consumersOf, retryDelaysOf, subscriptions } from '../subscriptions.js';
import { UserRegisteredV1 } from '../user/user.events.js';
import { userContext } from '../user/user.context.js';
import { asyncApiDocument } from './asyncapi-document.js';

/** Parses the document as the gateway serves it (JSON text); fails listing every error-severity diagnostic. */
async function parsed(document: object): Promise<AsyncAPIDocumentInterface> {
  const { document: model, diagnostics } = await new Parser().parse(JSON.stringify(document));
  // The parser's diagnostics carry the severity enum of its own copy of @stoplight/types: compared as numbers.
  const errors = diagnostics.filter((diagnostic) => (diagnostic.severity as number) === (DiagnosticSeverity.Error as number));
  expect(errors, `AsyncAPI errors:\n${describeDiagnostics(errors)}`).toEqual([]);
  expect(model).toBeDefined();
  return model!;
}

const describeDiagnostics = (diagnostics: readonly Diagnostic[]): string =>
  diagnostics.map((diagnostic) => `  ${diagnostic.code} at /${diagnostic.path.join('/')}: ${diagnostic.message}`).join('\n');

/** The channels of the exchange, by routing key (the others are retry and dead-letter queues). */
const isRoutingKey = (channel: { bindings(): { get(name: string): { value(): unknown } | undefined } }): boolean =>
  (channel.bindings().get('amqp')?.value() as { is?: string } | undefined)?.is === 'routingKey';

/** Who sends and who receives each event type, read from the parsed document's operations on the exchange. */
function rolesOf(model: AsyncAPIDocumentInterface): Map<string, { senders: string[]; receivers: string[] }> {
  const roles = new Map<string, { senders: string[]; receivers: string[] }>();
  for (const operation of model.operations().all()) {
    const [channel, ...others] = operation.channels().all();
    expect(others).toEqual([]);
    if (!isRoutingKey(channel!)) continue;
    const type = channel!.address()!;
    const service = operation.extensions().get('x-shop-service')?.value<string>();
    expect(service, operation.id()).toBeTypeOf('string');
    const entry = roles.get(type) ?? { senders: [], receivers: [] };
    (operation.isSend() ? entry.senders : entry.receivers).push(service!);
    roles.set(type, entry);
  }
  return roles;
}

/** A parsed schema as written: the parser marks each one with `x-parser-*` ids. */
const withoutParserMarks = (schema: unknown): unknown =>
  JSON.parse(JSON.stringify(schema), function (this: unknown, key: string, value: unknown) {
    return key.startsWith('x-parser-') ? undefined : value;
  });

const publisherOf = (contexts: readonly ContextDefinition[], type: string): string[] =>
  contexts.filter((context) => context.events.some((event) => event.type === type)).map((context) => context.name);

describe('the AsyncAPI document', () => {
  const document = asyncApiDocument({ version: '1.2.3' });
  let model: AsyncAPIDocumentInterface;
  beforeAll(async () => {
    model = await parsed(document);
  }, 60_000);

  it('is AsyncAPI 3.0.0 that @asyncapi/parser accepts with no error', () => {
    expect(document.asyncapi).toBe('3.0.0');
    expect(model.version()).toBe('3.0.0');
    expect(model.info().version()).toBe('1.2.3');
  });

  it('has one channel per event of the published language: its routing key on the topic exchange shop.events, its payload schema', () => {
    expect(publishedLanguage.length).toBeGreaterThan(0);
    expect(
      model
        .channels()
        .all()
        .filter(isRoutingKey)
        .map((channel) => channel.address()),
    ).toEqual(publishedLanguage.map((event) => event.type));
    for (const event of publishedLanguage) {
      const channel = model
        .channels()
        .all()
        .find((candidate) => candidate.address() === event.type)!;
      expect(channel.bindings().get('amqp')?.value()).toMatchObject({ is: 'routingKey', exchange: { name: EVENTS_EXCHANGE, type: 'topic', vhost: '/' } });
      const messages = channel.messages().all();
      expect(messages).toHaveLength(1);
      const message = messages[0]!;
      expect(message.name()).toBe(event.type);
      expect(message.contentType()).toBe('application/json');
      expect(withoutParserMarks(message.payload()?.json())).toEqual(JSON.parse(JSON.stringify(event.schema)));
      expect(message.correlationId()?.location()).toBe('$message.header#/correlationId');
      expect(Object.keys(message.headers()?.properties() ?? {})).toEqual(
        expect.arrayContaining(['source', 'aggregateId', 'correlationId', 'causationId', 'occurredAt', 'sequence', 'traceparent', 'tracestate']),
      );
    }
    expect(EVENTS_EXCHANGE).toBe('shop.events');
  });

  it("has each event sent by the context that publishes it and received by each of the manifest's subscribers, on its queue", () => {
    const roles = rolesOf(model);
    for (const { type } of publishedLanguage) {
      const { senders, receivers } = roles.get(type) ?? { senders: [], receivers: [] };
      expect(senders, `${type} senders`).toEqual(publisherOf(CONTEXTS, type));
      expect(receivers.sort(), `${type} receivers`).toEqual(consumersOf(subscriptions, type).sort());
    }
    expect([...roles.keys()].every((type) => publishedLanguage.some((event) => event.type === type))).toBe(true);
    for (const operation of model
      .operations()
      .all()
      .filter((candidate) => candidate.isReceive())) {
      const service = operation.extensions().get('x-shop-service')?.value<string>();
      expect(operation.extensions().get('x-shop-queue')?.value()).toBe(`${service}.events`);
    }
    // Every subscription of the manifest is a receive operation: none is left out.
    const receives = model.operations().filterByReceive().length;
    expect(receives).toBe(subscriptions.reduce((sum, entry) => sum + entry.eventTypes.length, 0));
  });

  it('describes the trace context headers a traced publish adds', () => {
    const headers = document.components.schemas['EventHeaders'] as { properties: Record<string, { pattern?: string; maxLength?: number }>; required: string[] };
    expect(headers.properties['traceparent']?.pattern).toBeDefined();
    expect(new RegExp(headers.properties['traceparent']!.pattern!).test('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBe(true);
    expect(new RegExp(headers.properties['traceparent']!.pattern!).test('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7')).toBe(false);
    // Only version 00 is written.
    expect(new RegExp(headers.properties['traceparent']!.pattern!).test('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBe(false);
    expect(headers.properties['tracestate']?.maxLength).toBe(512);
    expect(headers.required).not.toContain('traceparent');
    expect(headers.required).not.toContain('tracestate');
  });

  it('describes every header a message may carry, from the one list messaging writes: the envelope fields with the envelope schema, replays included', () => {
    const headers = document.components.schemas['EventHeaders'] as { properties: Record<string, Record<string, unknown>>; required: string[] };
    expect(Object.keys(headers.properties).sort()).toEqual(Object.values(EVENT_HEADERS).sort());
    expect(headers.properties['shop-replayed-at']).toMatchObject({ type: 'string', format: 'date-time' });
    for (const field of ['source', 'aggregateId', 'correlationId', 'occurredAt', 'sequence'] as const) {
      const { description, ...schema } = headers.properties[field]!;
      expect(schema, field).toEqual(eventEnvelopeSchema.properties[field]);
      expect(description, field).toMatch(/\S/);
    }
    // A null causation id is not sent: as a header it is a string when there.
    expect(headers.properties['causationId']).toMatchObject({ type: 'string', maxLength: 200 });
    expect(headers.required.sort()).toEqual(['aggregateId', 'correlationId', 'occurredAt', 'source']);
  });

  it("describes each subscriber's retry queues and dead-letter queue as queue channels, holding its events, with the send that moves a failed delivery there", () => {
    for (const { service, eventTypes } of subscriptions) {
      const queues = [...new Set(retryDelaysOf(subscriptions, service))].map((delayMs) => retryQueueNameOf(service, delayMs));
      for (const queue of [...queues, deadLetterQueueNameOf(service)]) {
        const channel = model.channels().get(queue);
        expect(channel, queue).toBeDefined();
        expect(channel!.address(), queue).toBe(queue);
        expect(channel!.bindings().get('amqp')?.value(), queue).toMatchObject({ is: 'queue', queue: { name: queue, durable: true, vhost: '/' } });
        expect(
          channel!
            .messages()
            .all()
            .map((message) => message.name())
            .sort(),
          queue,
        ).toEqual([...eventTypes].sort());
        const senders = channel!.operations().all();
        expect(
          senders.map((operation) => [operation.action(), operation.extensions().get('x-shop-service')?.value()]),
          queue,
        ).toEqual([['send', service]]);
      }
    }
  });

  it('names the virtual host it is given, on every exchange and queue binding', () => {
    const elsewhere = asyncApiDocument({ vhost: 'shop-staging' });
    const bindings = Object.values(elsewhere.channels).map((channel) => channel.bindings.amqp as { exchange?: { vhost: string }; queue?: { vhost: string } });
    expect(bindings.length).toBeGreaterThan(publishedLanguage.length);
    for (const binding of bindings) expect((binding.exchange ?? binding.queue)!.vhost).toBe('shop-staging');
    expect(elsewhere.servers['rabbitmq']!['description']).toContain('`shop-staging`');
  });

  it("documents a new context's events and subscriptions from its definition alone, an awaited event with receivers and no sender", async () => {
    const ParcelShippedV1 = defineEvent('shipping.shipped.v1', Type.Object({ parcelId: Type.String() }, { additionalProperties: false }));
    const StockCountedV1 = defineEvent('stock.counted.v1', Type.Object({ sku: Type.String() }, { additionalProperties: false }));
    const shipping = defineContext({
      name: 'shipping',
      port: 3099,
      events: [ParcelShippedV1],
      subscribes: { events: [UserRegisteredV1, StockCountedV1], retryDelaysMs: [10, 20] },
    });
    const contexts = [userContext, shipping];
    const custom = asyncApiDocument({ contexts, awaited: [StockCountedV1] });
    const roles = rolesOf(await parsed(custom));
    expect(Object.fromEntries(roles)).toEqual({
      'user.registered.v1': { senders: ['user'], receivers: ['shipping'] },
      'shipping.shipped.v1': { senders: ['shipping'], receivers: [] },
      'stock.counted.v1': { senders: [], receivers: ['shipping'] },
    });
    expect(custom.channels['shipping.shipped.v1']?.description).toMatch(/not bound to any queue\.$/);
    expect(custom.components.messages['shipping.shipped.v1']?.summary).toBe('Published by the `shipping` service; no service receives it yet.');
    expect(custom.operations['shipping.send.shipping.shipped.v1']?.action).toBe('send');
    expect(custom.operations['shipping.receive.stock.counted.v1']?.['x-shop-retry-delays-ms']).toEqual([10, 20]);
    expect(custom.info.tags.map((tag) => tag['name'])).toEqual(['user', 'shipping']);
  }, 60_000);
});
