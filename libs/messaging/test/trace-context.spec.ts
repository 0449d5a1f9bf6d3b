import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { GetMessage } from 'amqplib';
import { ROOT_CONTEXT, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { EventSchemaRegistry, Type, defineEvent, type EventEnvelope } from '@shop/contracts';
import { silentLogger } from '@shop/observability';
import { TransactionHost, databaseNameOf, openDataSource } from '@shop/persistence';
import { TEST_POSTGRES_URL, dropDatabase } from '@shop/testing';
import {
  EVENTS_EXCHANGE,
  EventConsumer,
  Inbox,
  MessagingMetrics,
  OutboxRelay,
  OutboxSignal,
  OutboxWriter,
  defaultRelayOptions,
  messagingMigrations,
  runDlqCommand,
  type PublishOutcome,
  type Transport,
} from '../src/index.js';
import { recordSpans, type RecordedSpans } from '@shop/observability/testing';
import { AMQP_URL, connectTransport, eventTypeOf, useBroker, waitFor } from './amqp/helpers.js';
import { dlqCli } from './support/dlq-cli.js';
import { parentIdOf, spanIdOf, spansNamed, traceparentOf } from './support/spans.js';

const RETRY_DELAYS_MS = [50];

const cli = (env: Record<string, string | undefined>) => dlqCli(env, 'trace-dlq-test');

/**
 * A producer (its PostgreSQL database, outbox writer and relay) and a consumer (its own database and
 * EventConsumer) on RabbitMQ, tracing into an in-memory exporter.
 */
describe('trace context on PostgreSQL and RabbitMQ', () => {
  const broker = useBroker();
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function start(options: { relayTransport?: (transport: Transport) => Transport; maxAttempts?: number } = {}) {
    const spans: RecordedSpans = recordSpans('spec');
    cleanups.push(() => spans.stop());
    const producerService = broker.newService();
    const consumerService = broker.newService();
    const type = eventTypeOf(producerService);
    const Happened = defineEvent(type, Type.Object({ n: Type.Integer() }, { additionalProperties: false }));
    const registry = new EventSchemaRegistry([Happened]);
    const open = async (service: string) => {
      cleanups.push(() => dropDatabase(databaseNameOf(service)));
      const dataSource = await openDataSource({ service, postgresUrl: TEST_POSTGRES_URL, entities: [], migrations: messagingMigrations, poolSize: 4 });
      cleanups.push(() => dataSource.destroy());
      return new TransactionHost(dataSource);
    };
    const producer = await open(producerService);
    const reader = await open(consumerService);

    const transport = await connectTransport();
    cleanups.push(() => transport.close());
    await transport.declareTopology([{ service: consumerService, eventTypes: [type], retryDelaysMs: RETRY_DELAYS_MS }]);
    // A queue of our own on the same routing key, to look at the message as the broker carries it.
    const observer = `${consumerService}.observer`;
    await broker.probe.channel.assertQueue(observer, { durable: false });
    await broker.probe.channel.bindQueue(observer, EVENTS_EXCHANGE, type);

    const signal = new OutboxSignal();
    const writer = new OutboxWriter(producer, registry, signal, { source: producerService, partitions: 4, transportKind: 'amqp' });
    const relayTransport = options.relayTransport?.(transport) ?? transport;
    const relay = new OutboxRelay(producer, relayTransport, signal, new MessagingMetrics(), silentLogger(), {
      ...defaultRelayOptions,
      partitions: 4,
      retryBaseMs: 10,
      maxAttempts: options.maxAttempts ?? defaultRelayOptions.maxAttempts,
    });
    cleanups.push(() => relay.stop());

    const seen: Array<{ envelope: EventEnvelope }> = [];
    const failing = { times: 0 };
    const consumer = new EventConsumer(transport, reader, new Inbox(reader), registry, new MessagingMetrics(), silentLogger(), {
      service: consumerService,
      prefetch: 8,
      retry: { delaysMs: RETRY_DELAYS_MS },
    });
    consumer.register({
      type,
      handler: 'observe',
      handle: async (envelope) => {
        seen.push({ envelope });
        if (failing.times > 0) {
          failing.times--;
          throw new Error('handler failed on purpose');
        }
      },
    });
    await consumer.start();
    cleanups.push(() => consumer.stop());

    const write = async (n: number) => {
      const request = trace.getTracer('spec').startSpan('POST /things');
      await context.with(trace.setSpan(ROOT_CONTEXT, request), () => producer.run(() => writer.add({ type, aggregateId: randomUUID(), payload: { n } })));
      request.end();
    };
    const processes = () => spansNamed(spans.spans, `process ${type}`);
    return { spans, type, producer, producerService, consumerService, transport, relay, writer, write, seen, failing, processes, observer };
  }

  it('keeps a row’s context from the outbox through the AMQP headers to the consumer, whose span is a child of the send', async () => {
    const { spans, type, producer, relay, write, processes, observer, seen } = await start();
    await write(1);
    const create = spans.span(`create ${type}`);
    const [row] = (await producer.dataSource.query(`SELECT trace_parent, trace_state FROM outbox`)) as Array<{ trace_parent: string; trace_state: null }>;
    expect(row).toEqual({ trace_parent: traceparentOf(create), trace_state: null });

    expect(await relay.publishPending()).toBe(1);
    await waitFor(() => processes().length === 1, 'the process span');
    const send = spans.span(`send ${type}`);
    expect(parentIdOf(send)).toBe(spanIdOf(create));
    expect(send.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.operation.type': 'send',
      'messaging.rabbitmq.destination.routing_key': type,
    });
    const [processed] = processes();
    expect(parentIdOf(processed!)).toBe(spanIdOf(send));
    expect(processed!.spanContext().traceId).toBe(create.spanContext().traceId);
    expect(processed!.attributes).toMatchObject({ 'messaging.system': 'rabbitmq', 'shop.message.outcome': 'handled' });
    expect(seen[0]!.envelope).not.toHaveProperty('traceContext');

    // On the wire: the send span's context, as W3C headers.
    const raw = (await broker.probe.channel.get(observer, { noAck: true })) as GetMessage;
    expect(raw.properties.headers).toMatchObject({ traceparent: traceparentOf(send) });
    expect(raw.properties.headers).not.toHaveProperty('tracestate');
  });

  it('keeps the trace through a retry, the DLQ and the dlq command’s replay', async () => {
    const { spans, type, consumerService, transport, relay, write, processes, failing } = await start();
    failing.times = 1;
    await write(1);
    await relay.publishPending();
    await waitFor(() => processes().length === 2, 'the first attempt and the retry');
    const send = spans.span(`send ${type}`);
    expect(processes().map((span) => [span.attributes['shop.delivery.attempt'], span.attributes['shop.message.outcome'], parentIdOf(span)])).toEqual([
      [1, 'failed', spanIdOf(send)],
      [2, 'handled', spanIdOf(send)],
    ]);

    failing.times = 2; // both attempts: dead-lettered
    await write(2);
    await relay.publishPending();
    await waitFor(async () => (await transport.depth(consumerService)) === 1, 'the dead letter');
    const deadSend = spansNamed(spans.spans, `send ${type}`)[1]!;
    const [letter] = await transport.list(consumerService);
    expect((letter!.envelope as EventEnvelope).traceContext).toEqual({ traceparent: traceparentOf(deadSend) });

    const replay = cli({ AMQP_URL });
    expect(await runDlqCommand(['replay', consumerService], replay)).toBe(0);
    await waitFor(() => processes().length === 5, 'the replayed delivery');
    const ofDead = processes().slice(2);
    expect(ofDead.map((span) => [span.attributes['shop.delivery.attempt'], span.attributes['shop.message.outcome'], parentIdOf(span)])).toEqual([
      [1, 'failed', spanIdOf(deadSend)],
      [2, 'failed', spanIdOf(deadSend)],
      [1, 'handled', spanIdOf(deadSend)],
    ]);
    expect(ofDead[0]!.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('sends a replayed dead outbox row as another child of its create span', async () => {
    let nacking = true;
    const { spans, type, producerService, relay, write, processes } = await start({
      maxAttempts: 1,
      // The broker "nacks" while nacking is on: a message-level failure, so the row dies after one attempt.
      relayTransport: (inner) =>
        Object.assign(Object.create(inner) as Transport, {
          publishBatch: (envelopes: readonly EventEnvelope[], onSettled?: (index: number, outcome: PublishOutcome) => void) =>
            nacking
              ? Promise.resolve(envelopes.map((): PublishOutcome => ({ ok: false, error: new Error('nacked') })))
              : inner.publishBatch(envelopes, onSettled),
        }),
    });
    await write(1);
    expect(await relay.publishPending()).toBe(0);
    const create = spans.span(`create ${type}`);
    const [failed] = spansNamed(spans.spans, `send ${type}`);
    expect([parentIdOf(failed!), failed!.status.code]).toEqual([spanIdOf(create), SpanStatusCode.ERROR]);

    const env = { POSTGRES_URL: TEST_POSTGRES_URL };
    const list = cli(env);
    expect(await runDlqCommand(['outbox-list', producerService], list)).toBe(0);
    expect(list.lines[0]!.split('\t').at(-1)).toBe(`trace=${create.spanContext().traceId}`);

    nacking = false;
    expect(await runDlqCommand(['outbox-replay', producerService], cli(env))).toBe(0);
    expect(await relay.publishPending()).toBe(1);
    await waitFor(() => processes().length === 1, 'the replayed row to be handled');
    const sent = spansNamed(spans.spans, `send ${type}`)[1]!;
    expect([parentIdOf(sent), sent.status.code]).toEqual([spanIdOf(create), SpanStatusCode.UNSET]);
    expect(parentIdOf(processes()[0]!)).toBe(spanIdOf(sent));
  });

  it('adds the two columns to outbox on PostgreSQL, and takes them away again', async () => {
    const { producer } = await start();
    const columns = async () =>
      (await producer.dataSource.query(
        `SELECT column_name, data_type, character_maximum_length, is_nullable FROM information_schema.columns
         WHERE table_name = 'outbox' AND column_name LIKE 'trace_%' ORDER BY column_name`,
      )) as unknown[];
    expect(await columns()).toEqual([
      { column_name: 'trace_parent', data_type: 'character varying', character_maximum_length: 55, is_nullable: 'YES' },
      { column_name: 'trace_state', data_type: 'character varying', character_maximum_length: 512, is_nullable: 'YES' },
    ]);
    await producer.dataSource.undoLastMigration();
    expect(await columns()).toEqual([]);
    await producer.dataSource.runMigrations();
    expect(await columns()).toHaveLength(2);
  });
});
