import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type TextMapPropagator,
  type TraceState,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { EventSchemaRegistry, Type, defineEvent, type EventEnvelope } from '@shop/contracts';
import { silentLogger, tracingEnabled } from '@shop/observability';
import { TransactionHost, openDataSource } from '@shop/persistence';
import { recordSpans, type RecordedSpans } from '@shop/observability/testing';
import { anEnvelope, waitFor } from '@shop/testing';
import { EventConsumer } from '../consumer/event-consumer.js';
import { Inbox } from '../inbox/inbox.js';
import { MemoryTransport } from '../memory/memory-transport.js';
import { messagingMigrations } from '../migrations/index.js';
import { MessagingMetrics } from '../observability/messaging-metrics.js';
import { OutboxRelay, defaultRelayOptions } from '../outbox/outbox-relay.js';
import { OutboxSignal } from '../outbox/outbox-signal.js';
import { OutboxWriter } from '../outbox/outbox-writer.js';
import { isPermanentDeliveryError, type PublishOutcome, type Transport } from '../transport/transport.js';
import { descendsFrom, parentIdOf, spanIdOf, spansNamed, traceIdOf, traceparentOf } from '../../test/support/spans.js';

const Noted = defineEvent('test.noted.v1', Type.Object({ n: Type.Integer() }, { additionalProperties: false }));
const Answered = defineEvent('test.answered.v1', Type.Object({ n: Type.Integer() }, { additionalProperties: false }));

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const REMOTE_TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;

interface StoredRow {
  message_id: string;
  correlation_id: string;
  trace_parent: string | null;
  trace_state: string | null;
}

/**
 * A producer ("writer": SQLite, outbox writer and relay) and a consumer ("reader": its own SQLite, an
 * EventConsumer whose handler answers with an event of its own) on one memory transport.
 */
describe('trace context through the outbox, the relay, the memory transport and the consumer', () => {
  let producer: TransactionHost;
  let reader: TransactionHost;
  let transport: MemoryTransport;
  let writer: OutboxWriter;
  let relay: OutboxRelay;
  let consumer: EventConsumer;
  let seen: EventEnvelope[];
  /** Fails the handler for these values of n, as many times as the count says (Infinity: always). */
  let failures: Map<number, number>;
  let spans: RecordedSpans | undefined;

  beforeEach(async () => {
    producer = new TransactionHost(await openDataSource({ service: 'writer', sqliteDir: ':memory:', entities: [], migrations: messagingMigrations }));
    reader = new TransactionHost(await openDataSource({ service: 'reader', sqliteDir: ':memory:', entities: [], migrations: messagingMigrations }));
    transport = new MemoryTransport(undefined, { subscriptions: [{ service: 'reader', eventTypes: [Noted.type] }], retryPollMs: 20 });
    const signal = new OutboxSignal();
    const registry = new EventSchemaRegistry([Noted, Answered]);
    writer = new OutboxWriter(producer, registry, signal, { source: 'writer', partitions: 2, transportKind: 'memory' });
    relay = new OutboxRelay(producer, transport, signal, new MessagingMetrics(), silentLogger(), { ...defaultRelayOptions, partitions: 2 });
    const answers = new OutboxWriter(reader, registry, new OutboxSignal(), { source: 'reader', partitions: 2, transportKind: 'memory' });
    seen = [];
    failures = new Map();
    consumer = new EventConsumer(transport, reader, new Inbox(reader), registry, new MessagingMetrics(), silentLogger(), {
      service: 'reader',
      prefetch: 8,
      retry: { delaysMs: [20] },
    });
    consumer.register({
      type: Noted.type,
      handler: 'answer',
      handle: async (envelope) => {
        seen.push(envelope);
        const { n } = envelope.payload as { n: number };
        const left = failures.get(n) ?? 0;
        if (left > 0) {
          failures.set(n, left - 1);
          throw new Error(`handler refused ${n}`);
        }
        await answers.add({ type: Answered.type, aggregateId: envelope.aggregateId, payload: { n } });
      },
    });
    await consumer.start();
  });

  afterEach(async () => {
    await consumer.stop();
    await relay.stop();
    await transport.close();
    await spans?.stop();
    spans = undefined;
    await producer.dataSource.destroy();
    await reader.dataSource.destroy();
  });

  const write = (n: number, aggregateId = randomUUID()) => producer.run(() => writer.add({ type: Noted.type, aggregateId, payload: { n } }));
  const rowsOf = async (transactions: TransactionHost): Promise<StoredRow[]> =>
    (await transactions.dataSource.query(`SELECT message_id, correlation_id, trace_parent, trace_state FROM outbox ORDER BY seq`)) as StoredRow[];
  const pendingCount = async () => Number(((await producer.dataSource.query(`SELECT COUNT(*) AS c FROM outbox_pending`)) as Array<{ c: number }>)[0]!.c);

  it('stores the create span’s context, sends a child of it, and processes the message as a child of the send, whose events follow', async () => {
    spans = recordSpans('spec');
    const request = trace.getTracer('spec').startSpan('POST /notes');
    await context.with(trace.setSpan(ROOT_CONTEXT, request), () => write(1));
    request.end();

    const create = spans.span('create test.noted.v1');
    const [row] = await rowsOf(producer);
    expect(create.kind).toBe(SpanKind.PRODUCER);
    expect(traceIdOf(create)).toBe(request.spanContext().traceId);
    expect(descendsFrom(create, spans.span('POST /notes'), spans.spans)).toBe(true);
    expect(create.attributes).toMatchObject({
      'messaging.system': 'shop.memory',
      'messaging.operation.type': 'create',
      'messaging.destination.name': 'shop.events',
      'messaging.rabbitmq.destination.routing_key': Noted.type,
      'messaging.message.id': row!.message_id,
      'messaging.message.conversation_id': row!.correlation_id,
      'shop.service': 'writer',
      'shop.correlation_id': row!.correlation_id,
    });
    expect(row).toMatchObject({ trace_parent: traceparentOf(create), trace_state: null });

    expect(await relay.publishPending()).toBe(1);
    const send = spans.span('send test.noted.v1');
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect([traceIdOf(send), parentIdOf(send)]).toEqual([traceIdOf(create), spanIdOf(create)]);
    expect(send.status.code).toBe(SpanStatusCode.UNSET);
    expect(send.attributes).toMatchObject({
      'messaging.system': 'shop.memory',
      'messaging.operation.type': 'send',
      'messaging.destination.name': 'shop.events',
      'messaging.rabbitmq.destination.routing_key': Noted.type,
      'messaging.message.id': row!.message_id,
      'messaging.message.conversation_id': row!.correlation_id,
      'shop.service': 'writer',
      'shop.correlation_id': row!.correlation_id,
    });

    const processed = spans.span('process test.noted.v1');
    expect(processed.kind).toBe(SpanKind.CONSUMER);
    expect([traceIdOf(processed), parentIdOf(processed)]).toEqual([traceIdOf(send), spanIdOf(send)]);
    expect(processed.attributes).toMatchObject({
      'messaging.system': 'shop.memory',
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': 'reader.events',
      'messaging.message.id': row!.message_id,
      'messaging.message.conversation_id': row!.correlation_id,
      'shop.handler': 'answer',
      'shop.service': 'reader',
      'shop.correlation_id': row!.correlation_id,
      'shop.delivery.attempt': 1,
      'shop.message.outcome': 'handled',
    });
    // The memory transport confirms once the subscriber has committed: the send ends after the process.
    // Read from the order the spans were recorded in, which is the order they ended: a span's times
    // start from Date.now() (whole milliseconds) at its start, so two spans' end times cannot order
    // ends that are under a millisecond apart (and `>=` on two [s, ns] arrays compares their strings).
    expect(spans.spans.indexOf(processed)).toBeLessThan(spans.spans.indexOf(send));
    // Handlers never see the transport's context.
    expect(seen[0]).not.toHaveProperty('traceContext');

    // The handler's own event is created inside the process span, and its row continues the trace.
    const answer = spans.span('create test.answered.v1');
    expect(traceIdOf(answer)).toBe(traceIdOf(processed));
    expect(descendsFrom(answer, processed, spans.spans)).toBe(true);
    expect(answer.attributes).toMatchObject({ 'shop.service': 'reader', 'shop.correlation_id': row!.correlation_id });
    expect((await rowsOf(reader))[0]).toMatchObject({ trace_parent: traceparentOf(answer), correlation_id: row!.correlation_id });
  });

  it('carries the caller’s tracestate into the row and on to the consumer', async () => {
    spans = recordSpans('spec');
    const remote = propagation.extract(ROOT_CONTEXT, { traceparent: REMOTE_TRACEPARENT, tracestate: 'shop=1,vendor=abc' });
    await context.with(remote, () => write(1));
    const [row] = await rowsOf(producer);
    expect(row!.trace_parent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    expect(row!.trace_state).toBe('shop=1,vendor=abc');
    await relay.publishPending();
    const processed = spans.span('process test.noted.v1');
    expect(traceIdOf(processed)).toBe(TRACE_ID);
    expect(processed.spanContext().traceState?.serialize()).toBe('shop=1,vendor=abc');
  });

  it('stores no tracestate over 512 characters and nothing at all that is not a W3C traceparent', async () => {
    spans = recordSpans('spec');
    const oversized = 'v=' + 'x'.repeat(600);
    const longState: TraceState = { set: () => longState, unset: () => longState, get: () => undefined, serialize: () => oversized };
    const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, isRemote: true, traceState: longState });
    await context.with(parent, () => write(1));
    const [first] = await rowsOf(producer);
    expect(first!.trace_parent).toBe(traceparentOf(spans.span('create test.noted.v1')));
    expect(first!.trace_state).toBeNull();

    // A propagator that writes some other format: the span is made, its "context" never stored.
    const foreign: TextMapPropagator = {
      inject: (_context, carrier, setter) => setter.set(carrier, 'traceparent', 'uber-trace-id:1:2:0'),
      extract: (given) => given,
      fields: () => ['traceparent'],
    };
    propagation.disable();
    propagation.setGlobalPropagator(foreign);
    await write(2);
    const second = (await rowsOf(producer))[1]!;
    expect(spansNamed(spans.spans, 'create test.noted.v1')).toHaveLength(2);
    expect(second).toMatchObject({ trace_parent: null, trace_state: null });
  });

  it('with tracing off makes no span and writes NULLs, even with a tracer provider registered, and sends no trace context', async () => {
    // Registered by hand, not by startTracing: spans would be started if the code did not ask tracingEnabled().
    const started = spyTracerProvider();
    trace.setGlobalTracerProvider(started.provider);
    try {
      expect(tracingEnabled()).toBe(false);
      const publishes = vi.spyOn(transport, 'publishBatch');
      const request = trace.getTracer('spec').startSpan('POST /notes');
      await context.with(trace.setSpan(ROOT_CONTEXT, request), () => write(1));
      request.end();
      expect(await relay.publishPending()).toBe(1);
      await waitFor(() => seen.length === 1, { what: 'the delivery' });

      expect((await rowsOf(producer))[0]).toMatchObject({ trace_parent: null, trace_state: null });
      expect((await rowsOf(reader))[0]).toMatchObject({ trace_parent: null, trace_state: null });
      expect(publishes.mock.calls[0]![0][0]).not.toHaveProperty('traceContext');
      expect(publishes.mock.calls[0]![1]).toBeUndefined();
      // (Other libraries' guards are their own: persistence makes its span whenever a span is active.)
      expect(started.spans).toContainEqual({ tracer: 'spec', name: 'POST /notes' });
      expect(started.spans.filter((span) => span.tracer === '@shop/messaging')).toEqual([]);
    } finally {
      trace.disable();
    }
  });

  it('sends a row written while tracing was off without a span or a context; its process span starts a trace', async () => {
    await write(1);
    spans = recordSpans('spec');
    const publishes = vi.spyOn(transport, 'publishBatch');
    expect(await relay.publishPending()).toBe(1);
    expect(spansNamed(spans.spans, 'send test.noted.v1')).toEqual([]);
    expect(publishes.mock.calls[0]![0][0]).not.toHaveProperty('traceContext');
    const processed = spans.span('process test.noted.v1');
    expect(parentIdOf(processed)).toBeUndefined();
  });

  it('ends a send span ERROR when the publish fails, and a later send is another child of the same create', async () => {
    spans = recordSpans('spec');
    await consumer.stop(); // a declared subscriber that is not consuming: the publish fails transiently
    await write(1);
    expect(await relay.publishPending()).toBe(0);
    const [failed] = spansNamed(spans.spans, 'send test.noted.v1');
    // The error's class, never its message (the platform's policy for every span).
    expect(failed!.status).toEqual({ code: SpanStatusCode.ERROR });
    expect(failed!.attributes['error.type']).toBe('TransientDeliveryError');
    expect(await pendingCount()).toBe(1);

    await consumer.start();
    // The failed row backs off (500 ms at first); the next pass after that publishes it.
    await waitFor(async () => (await relay.publishPending()) === 1, { what: 'the row to go out after its backoff', timeoutMs: 5_000 });
    const sends = spansNamed(spans.spans, 'send test.noted.v1');
    expect(sends).toHaveLength(2);
    const create = spans.span('create test.noted.v1');
    expect(sends.map(parentIdOf)).toEqual([spanIdOf(create), spanIdOf(create)]);
    expect(sends[1]!.status.code).toBe(SpanStatusCode.UNSET);
    expect(parentIdOf(spans.span('process test.noted.v1'))).toBe(spanIdOf(sends[1]!));
  });

  it('ends every send span when the transport answers only the whole batch', async () => {
    spans = recordSpans('spec');
    const published: EventEnvelope[] = [];
    // A wrapper that does not hand on onSettled: the relay ends the spans by the batch's answer.
    const wholeBatchOnly: Pick<Transport, 'kind' | 'isReady' | 'publishBatch'> = {
      kind: 'amqp',
      isReady: () => true,
      publishBatch: async (envelopes) => {
        published.push(...envelopes);
        return envelopes.map((_, i): PublishOutcome => (i === 1 ? { ok: false, error: new Error('nacked') } : { ok: true }));
      },
    };
    const wrapped = new OutboxRelay(producer, wholeBatchOnly as Transport, new OutboxSignal(), new MessagingMetrics(), silentLogger(), {
      ...defaultRelayOptions,
      partitions: 2,
    });
    // One aggregate: one partition, one batch, in this order.
    const aggregateId = randomUUID();
    await producer.run(() => writer.add(...[1, 2, 3].map((n) => ({ type: Noted.type, aggregateId, payload: { n } }))));
    await wrapped.publishPending();
    const sends = spansNamed(spans.spans, 'send test.noted.v1');
    expect(sends).toHaveLength(3);
    expect(sends.every((span) => span.attributes['messaging.system'] === 'rabbitmq')).toBe(true);
    const byMessage = new Map(sends.map((span) => [span.attributes['messaging.message.id'], span]));
    expect(published.map((envelope) => byMessage.get(envelope.id)!.status.code)).toEqual([SpanStatusCode.UNSET, SpanStatusCode.ERROR, SpanStatusCode.UNSET]);
    // Each envelope carries its own send span's context.
    expect(published.map((envelope) => envelope.traceContext?.traceparent)).toEqual(published.map((envelope) => traceparentOf(byMessage.get(envelope.id)!)));
  });

  it('keeps the trace through the subscriber’s retry, its dead letter and the replay', async () => {
    spans = recordSpans('spec');
    failures.set(1, 1); // fails once, then succeeds on the retry
    failures.set(2, Infinity); // fails both attempts: a dead letter
    await write(1);
    await write(2);
    await relay.publishPending();
    await waitFor(async () => (await transport.depth('reader')) === 1 && (await transport.retryDepth('reader')) === 0, {
      what: 'the retry and the dead letter',
    });
    const sendOf = (n: number) => spansNamed(spans!.spans, 'send test.noted.v1').find((span) => span.attributes['messaging.message.id'] === idOf(n))!;
    const idOf = (n: number) => seen.find((envelope) => (envelope.payload as { n: number }).n === n)!.id;
    const processesOf = (n: number) => spansNamed(spans!.spans, 'process test.noted.v1').filter((span) => span.attributes['messaging.message.id'] === idOf(n));

    const retried = processesOf(1);
    expect(retried.map((span) => [span.attributes['shop.delivery.attempt'], span.attributes['shop.message.outcome'], span.status.code])).toEqual([
      [1, 'failed', SpanStatusCode.ERROR],
      [2, 'handled', SpanStatusCode.UNSET],
    ]);
    expect(retried.map(parentIdOf)).toEqual([spanIdOf(sendOf(1)), spanIdOf(sendOf(1))]);

    expect(processesOf(2).map((span) => span.attributes['shop.message.outcome'])).toEqual(['failed', 'failed']);
    failures.delete(2);
    expect(await transport.replay('reader')).toBe(1);
    const afterReplay = processesOf(2);
    expect(afterReplay.map((span) => span.attributes['shop.message.outcome'])).toEqual(['failed', 'failed', 'handled']);
    expect(new Set(afterReplay.map(parentIdOf))).toEqual(new Set([spanIdOf(sendOf(2))]));
    expect(new Set(afterReplay.map(traceIdOf))).toEqual(new Set([traceIdOf(sendOf(2))]));
  });

  it('says of a failed handler only the code or class of its error: no message, no stack, no exception event', async () => {
    spans = recordSpans('spec');
    const uniqueViolation = Object.assign(new Error('duplicate key value violates unique constraint "customer_email" Key (email)=(jane@example.com)'), {
      code: '23505',
    });
    const secretive = new (class LedgerRefusal extends Error {
      override name = 'LedgerRefusal';
    })('card 4111 1111 1111 1111 refused for jane@example.com');
    let seenAnswers = 0;
    consumer.register({
      type: Answered.type,
      handler: 'record',
      handle: () => Promise.reject(seenAnswers++ === 0 ? uniqueViolation : secretive),
    });
    for (const n of [1, 2]) {
      const envelope = anEnvelope(Answered.type, { payload: { n }, traceContext: { traceparent: REMOTE_TRACEPARENT } });
      await expect(consumer.deliver({ envelope, attempt: 1 })).rejects.toThrow();
    }
    const failed = spansNamed(spans.spans, 'process test.answered.v1');
    expect(failed.map((span) => [span.attributes['error.type'], span.status])).toEqual([
      ['23505', { code: SpanStatusCode.ERROR }],
      ['LedgerRefusal', { code: SpanStatusCode.ERROR }],
    ]);
    expect(failed.flatMap((span) => span.events)).toEqual([]);
    expect(JSON.stringify(failed.map((span) => [span.attributes, span.status, span.events]))).not.toMatch(/jane|4111/);
  });

  it('ends a create span when its transaction commits, and never exports one whose transaction rolled back', async () => {
    spans = recordSpans('spec');
    await producer.run(async () => {
      await writer.add({ type: Noted.type, aggregateId: randomUUID(), payload: { n: 1 } });
      // Written but not committed: the row does not exist for anyone else yet.
      expect(spansNamed(spans!.spans, 'create test.noted.v1')).toEqual([]);
    });
    const committed = spans.span('create test.noted.v1');

    const rolledBack = producer.run(async () => {
      await writer.add({ type: Noted.type, aggregateId: randomUUID(), payload: { n: 2 } });
      throw new Error('the use case failed after writing its event');
    });
    await expect(rolledBack).rejects.toThrow(/after writing/);
    expect(await rowsOf(producer)).toHaveLength(1);
    expect(spansNamed(spans.spans, 'create test.noted.v1')).toEqual([committed]);
    expect(committed.status.code).toBe(SpanStatusCode.UNSET);
  });

  describe('a received trace context the consumer cannot use', () => {
    const deliver = (traceContext: unknown, n = 1) =>
      consumer.deliver({ envelope: { ...anEnvelope(Noted.type, { payload: { n } }), traceContext }, attempt: 1 });

    it.each<[string, unknown]>([
      ['a traceparent that is not one', { traceparent: 'garbage' }],
      ['a traceparent of 100 kB', { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`.padEnd(100_000, 'x') }],
      ['an all-zero trace id', { traceparent: `00-${'0'.repeat(32)}-${SPAN_ID}-01` }],
      ['version ff', { traceparent: `ff-${TRACE_ID}-${SPAN_ID}-01` }],
      ['a number', { traceparent: 42 }],
      ['no traceparent', { tracestate: 'a=b' }],
      ['null', null],
      ['a string', REMOTE_TRACEPARENT],
      ['an array', [REMOTE_TRACEPARENT]],
    ])('ignores %s: the message is handled in a trace of its own', async (_name, traceContext) => {
      spans = recordSpans('spec');
      await deliver(traceContext);
      const processed = spans.span('process test.noted.v1');
      expect(parentIdOf(processed)).toBeUndefined();
      expect(traceIdOf(processed)).not.toBe(TRACE_ID);
      expect(processed.attributes['shop.message.outcome']).toBe('handled');
      expect(seen).toHaveLength(1);
    });

    it('keeps the parent and leaves out a tracestate over 512 characters or not a string', async () => {
      spans = recordSpans('spec');
      await deliver({ traceparent: REMOTE_TRACEPARENT, tracestate: 'a=' + 'b'.repeat(600) }, 1);
      await deliver({ traceparent: REMOTE_TRACEPARENT, tracestate: { a: 'b' } }, 2);
      await deliver({ traceparent: REMOTE_TRACEPARENT, tracestate: 'a=b' }, 3);
      const processed = spansNamed(spans.spans, 'process test.noted.v1');
      expect(processed.map((span) => [traceIdOf(span), parentIdOf(span), span.spanContext().traceState?.serialize()])).toEqual([
        [TRACE_ID, SPAN_ID, undefined],
        [TRACE_ID, SPAN_ID, undefined],
        [TRACE_ID, SPAN_ID, 'a=b'],
      ]);
    });

    it('handles a message with a trace context while tracing is off', async () => {
      await deliver({ traceparent: REMOTE_TRACEPARENT });
      await deliver('anything at all', 2);
      expect(seen).toHaveLength(2);
    });
  });

  it('marks a duplicate, and refuses an invalid envelope in an ERROR span', async () => {
    spans = recordSpans('spec');
    const envelope = anEnvelope(Noted.type, { payload: { n: 1 }, traceContext: { traceparent: REMOTE_TRACEPARENT } });
    await consumer.deliver({ envelope, attempt: 1 });
    await consumer.deliver({ envelope, attempt: 1 });
    expect(spansNamed(spans.spans, 'process test.noted.v1').map((span) => span.attributes['shop.message.outcome'])).toEqual(['handled', 'duplicate']);

    const invalid = { ...anEnvelope(Noted.type, { payload: { n: 'one' } }), traceContext: { traceparent: REMOTE_TRACEPARENT } };
    const refusal = await consumer.deliver({ envelope: invalid, attempt: 1 }).catch((error: unknown) => error);
    expect(isPermanentDeliveryError(refusal)).toBe(true);
    const refused = spansNamed(spans.spans, 'process test.noted.v1')[2]!;
    expect(refused.status.code).toBe(SpanStatusCode.ERROR);
    expect(refused.attributes).toMatchObject({ 'shop.message.outcome': 'invalid', 'messaging.message.id': invalid.id, 'error.type': 'PermanentDeliveryError' });
    expect(parentIdOf(refused)).toBe(SPAN_ID);
  });

  it('adds the two columns to outbox on SQLite, and takes them away again', async () => {
    const columns = async () => ((await producer.dataSource.query(`PRAGMA table_info(outbox)`)) as Array<{ name: string; type: string }>).map((c) => c.name);
    expect(await columns()).toEqual(expect.arrayContaining(['trace_parent', 'trace_state']));
    await producer.dataSource.undoLastMigration();
    expect(await columns()).not.toContain('trace_parent');
    expect(await columns()).not.toContain('trace_state');
    await producer.dataSource.runMigrations();
    expect(await columns()).toEqual(expect.arrayContaining(['trace_parent', 'trace_state']));
  });
});

/**
 * A tracer provider that notes every span started through it and hands back a span with a valid,
 * sampled context (so that a child, had one been made, would have a parent to inject).
 */
function spyTracerProvider(): { provider: TracerProvider; spans: Array<{ tracer: string; name: string }> } {
  const spans: Array<{ tracer: string; name: string }> = [];
  const noop = new ProxyTracerProvider().getTracer('noop'); // no delegate: the API's no-op tracer
  const provider: TracerProvider = {
    getTracer: (tracer): Tracer =>
      Object.assign(Object.create(noop) as Tracer, {
        startSpan: (name: string) => {
          spans.push({ tracer, name });
          return trace.wrapSpanContext({ traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex'), traceFlags: 1 });
        },
      }),
  };
  return { provider, spans };
}
