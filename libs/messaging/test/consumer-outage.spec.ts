import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { pino, type Logger } from 'pino';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { EventSchemaRegistry, Type, defineEvent, type EventContract, type EventEnvelope } from '@shop/contracts';
import { TransactionHost, databaseNameOf, openDataSource } from '@shop/persistence';
import { anEnvelope, deleteQueuesOf, dropDatabase, sleep, TcpProxy, TEST_POSTGRES_URL, waitFor } from '@shop/testing';
import { AmqpTransport } from '../src/amqp/index.js';
import {
  EventConsumer,
  Inbox,
  MessagingMetrics,
  defaultRetryPolicy,
  messagingMigrations,
  queueNameOf,
  type EventConsumerOptions,
  type RetryPolicy,
} from '../src/index.js';
import { BrokerProbe, connectTransport, uniqueService } from './amqp/helpers.js';

/**
 * The consumer against a real PostgreSQL and RabbitMQ when its database goes away (through a proxy
 * the test controls) and when a handler hangs.
 */
class CreateNotedTable1733000000301 implements MigrationInterface {
  name = 'CreateNotedTable1733000000301';
  async up(runner: QueryRunner): Promise<void> {
    // Deliberately without a unique key: a double effect would show.
    await runner.query(`CREATE TABLE noted (message_id VARCHAR(64) NOT NULL, aggregate_id VARCHAR(64) NOT NULL, n INTEGER NOT NULL)`);
  }
  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE noted`);
  }
}

interface Noted {
  n: number;
}

const notedContractOf = (service: string): EventContract<Noted> =>
  defineEvent(`${service}.noted.v1`, Type.Object({ n: Type.Integer() }, { additionalProperties: false }));

const envelopeOf = (type: string, aggregateId: string, n: number): EventEnvelope => anEnvelope(type, { aggregateId, payload: { n } });

function capturingLogger(): { logger: Logger; messages: string[] } {
  const messages: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      messages.push((JSON.parse(chunk.toString()) as { msg: string }).msg);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), messages };
}

const metricTotal = async (metrics: MessagingMetrics, name: string): Promise<number> =>
  (await metrics.registry.getSingleMetric(name)!.get()).values.reduce((sum, value) => sum + value.value, 0);

interface Harness {
  readonly service: string;
  readonly type: string;
  readonly consumer: EventConsumer;
  readonly transport: AmqpTransport;
  readonly publisher: AmqpTransport;
  readonly transactions: TransactionHost;
  readonly metrics: MessagingMetrics;
  readonly messages: string[];
  /** Every delivery handed to the consumer: message id and attempt, in arrival order. */
  readonly deliveries: Array<{ id: string; attempt: number }>;
  noted(): Promise<Array<{ message_id: string; aggregate_id: string; n: number }>>;
  publish(...envelopes: EventEnvelope[]): Promise<void>;
}

describe('EventConsumer on PostgreSQL + RabbitMQ', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  async function start(options: {
    postgresUrl?: string;
    retry: RetryPolicy;
    handle: (envelope: EventEnvelope, transactions: TransactionHost) => Promise<void>;
    consumer?: Partial<EventConsumerOptions>;
  }): Promise<Harness> {
    const service = uniqueService();
    const contract = notedContractOf(service);
    cleanups.push(() => dropDatabase(databaseNameOf(service)));
    cleanups.push(() => deleteQueuesOf(service));
    const dataSource = await openDataSource({
      service,
      postgresUrl: options.postgresUrl ?? TEST_POSTGRES_URL,
      poolSize: 12,
      entities: [],
      migrations: [...messagingMigrations, CreateNotedTable1733000000301],
    });
    cleanups.push(() => dataSource.destroy());
    const transactions = new TransactionHost(dataSource);
    const metrics = new MessagingMetrics();
    const { logger, messages } = capturingLogger();
    const transport = await connectTransport({ connectionName: `${service}-consumer` });
    cleanups.push(() => transport.close());
    const deliveries: Array<{ id: string; attempt: number }> = [];
    // Records what the broker hands over (attempt included) on the way to the consumer.
    const consume = transport.consume.bind(transport);
    transport.consume = (subscription) =>
      consume({
        ...subscription,
        handle: (delivery) => {
          deliveries.push({ id: (delivery.envelope as EventEnvelope).id, attempt: delivery.attempt });
          return subscription.handle(delivery);
        },
      });
    const consumer = new EventConsumer(transport, transactions, new Inbox(transactions), new EventSchemaRegistry([contract]), metrics, logger, {
      service,
      prefetch: 16,
      retry: options.retry,
      ...options.consumer,
    });
    consumer.register({
      type: contract.type,
      handler: 'note',
      handle: async (envelope) => {
        await transactions.manager.query(`INSERT INTO noted (message_id, aggregate_id, n) VALUES ($1, $2, $3)`, [
          envelope.id,
          envelope.aggregateId,
          (envelope.payload as Noted).n,
        ]);
        await options.handle(envelope, transactions);
      },
    });
    await consumer.start();
    cleanups.push(() => consumer.stop());
    const publisher = await connectTransport({ connectionName: `${service}-publisher` });
    cleanups.push(() => publisher.close());
    return {
      service,
      type: contract.type,
      consumer,
      transport,
      publisher,
      transactions,
      metrics,
      messages,
      deliveries,
      noted: () => dataSource.query(`SELECT message_id, aggregate_id, n FROM noted ORDER BY n`),
      publish: async (...envelopes) => {
        expect(await publisher.publishBatch(envelopes)).toEqual(envelopes.map(() => ({ ok: true })));
      },
    };
  }

  it('a 45 s database outage: deliveries go back uncounted while the consumer pauses, all are handled once afterwards, nothing is dead-lettered', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(TEST_POSTGRES_URL).port || 5432) });
    cleanups.push(() => proxy.close());
    // The default retry delays (1 s, 5 s, 30 s): counted as failures, these deliveries would be dead-lettered after ~36 s.
    const harness = await start({ postgresUrl: proxy.url(TEST_POSTGRES_URL), retry: defaultRetryPolicy, handle: async () => undefined });
    const { type } = harness;
    const before = envelopeOf(type, 'a', 0);
    await harness.publish(before);
    await waitFor(async () => (await harness.noted()).length === 1, { what: 'the message before the outage handled' });

    const outageStarted = Date.now();
    proxy.setMode('refuse');
    const during = [1, 2, 3, 4, 5, 6].map((n) => envelopeOf(type, n % 2 ? 'a' : 'b', n));
    await harness.publish(...during.slice(0, 3));
    await waitFor(() => harness.consumer.paused, { what: 'the consumer to pause' });
    expect(await metricTotal(harness.metrics, 'shop_consumer_paused')).toBe(1);
    await sleep(20_000);
    await harness.publish(...during.slice(3));
    await sleep(Math.max(0, 45_000 - (Date.now() - outageStarted)));
    expect(harness.consumer.paused).toBe(true);
    proxy.setMode('pass');

    await waitFor(async () => (await harness.noted()).length === 7, { timeoutMs: 30_000, what: 'every message handled after the outage' });
    await sleep(500);
    const noted = await harness.noted();
    expect(noted.map((row) => row.message_id)).toEqual([before, ...during].map((envelope) => envelope.id));
    expect(await harness.transport.depth(harness.service)).toBe(0);
    // No attempt was used: every delivery came back as attempt 1, and nothing counted as a failure.
    expect(harness.deliveries.every((delivery) => delivery.attempt === 1)).toBe(true);
    expect(await metricTotal(harness.metrics, 'shop_messages_failed_total')).toBe(0);
    expect(await metricTotal(harness.metrics, 'shop_messages_transient_failures_total')).toBeGreaterThanOrEqual(1);
    expect(await metricTotal(harness.metrics, 'shop_consumer_pauses_total')).toBeGreaterThanOrEqual(1);
    await waitFor(() => !harness.consumer.paused, { what: 'the consumer to resume' });
    expect(await metricTotal(harness.metrics, 'shop_consumer_paused')).toBe(0);
    expect(harness.messages).toContain('consumer paused: database unreachable');
    expect(harness.messages).toContain('consumer resumed');
    // One pause for the whole outage, not one per delivery.
    expect(harness.messages.filter((message) => message === 'consumer paused: database unreachable').length).toBe(
      await metricTotal(harness.metrics, 'shop_consumer_pauses_total'),
    );
  }, 120_000);

  it('a black-holed database: the handler deadline passes, the probe gets no answer, so the delivery goes back uncounted and the consumer pauses', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(TEST_POSTGRES_URL).port || 5432) });
    cleanups.push(() => proxy.close());
    const harness = await start({
      postgresUrl: proxy.url(TEST_POSTGRES_URL),
      retry: { delaysMs: [100] },
      consumer: { handlerTimeoutMs: 1_000 },
      handle: async () => undefined,
    });
    const before = envelopeOf(harness.type, 'a', 0);
    await harness.publish(before);
    await waitFor(async () => (await harness.noted()).length === 1, { what: 'the message before the outage handled' });

    proxy.setMode('blackhole');
    const during = [envelopeOf(harness.type, 'a', 1), envelopeOf(harness.type, 'b', 2)];
    await harness.publish(...during);
    await waitFor(() => harness.consumer.paused, { timeoutMs: 10_000, what: 'the consumer to pause' });
    await sleep(3_000);
    proxy.setMode('pass');

    await waitFor(async () => (await harness.noted()).length === 3, { timeoutMs: 30_000, what: 'every message handled after the outage' });
    await sleep(300);
    expect((await harness.noted()).map((row) => row.message_id)).toEqual([before, ...during].map((envelope) => envelope.id));
    expect(harness.deliveries.every((delivery) => delivery.attempt === 1)).toBe(true);
    expect(await metricTotal(harness.metrics, 'shop_messages_failed_total')).toBe(0);
    expect(await metricTotal(harness.metrics, 'shop_messages_transient_failures_total')).toBeGreaterThanOrEqual(1);
    expect(await harness.transport.depth(harness.service)).toBe(0);
  });

  it('a handler that never settles: rolled back at its deadline, retried, and other aggregates, and its own next message, keep flowing', async () => {
    let hungId = '';
    const harness = await start({
      retry: { delaysMs: [300, 300] },
      consumer: { handlerTimeoutMs: 500 },
      // The first run of one message hangs inside its transaction (after its insert); every other run is quick.
      handle: async (envelope) => {
        if (envelope.id === hungId && harness.deliveries.filter((delivery) => delivery.id === hungId).length === 1) {
          await new Promise<never>(() => undefined);
        }
      },
    });
    const { type } = harness;
    const hung = envelopeOf(type, 'stuck', 1);
    hungId = hung.id;
    const nextOfStuck = envelopeOf(type, 'stuck', 2);
    const others = Array.from({ length: 10 }, (_, i) => envelopeOf(type, `other-${i}`, 10 + i));
    await harness.publish(hung, nextOfStuck, ...others);

    // Other aggregates go through while the hung handler still holds its transaction.
    await waitFor(async () => (await harness.noted()).filter((row) => row.n >= 10).length === 10, { timeoutMs: 5_000, what: 'other aggregates handled' });
    expect(await metricTotal(harness.metrics, 'shop_messages_timed_out_total')).toBe(0);

    await waitFor(async () => (await harness.noted()).length === 12, { timeoutMs: 10_000, what: 'the hung message retried and its next message handled' });
    await sleep(500);
    const noted = await harness.noted();
    expect(noted.filter((row) => row.message_id === hung.id)).toHaveLength(1);
    expect(noted.filter((row) => row.message_id === nextOfStuck.id)).toHaveLength(1);
    expect(harness.deliveries.filter((delivery) => delivery.id === hung.id).map((delivery) => delivery.attempt)).toEqual([1, 2]);
    expect(await metricTotal(harness.metrics, 'shop_messages_timed_out_total')).toBe(1);
    expect(await harness.transport.depth(harness.service)).toBe(0);
    expect(harness.messages).toContain('handler timed out');
    // The abandoned transaction holds no connection in a transaction.
    const [{ n: idleInTransaction }] = (await harness.transactions.dataSource.query(
      `SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
    )) as Array<{ n: number }>;
    expect(idleInTransaction).toBe(0);
  });

  it('stop() returns within the handler deadline while a handler hangs; deliveries waiting behind it go back uncounted', async () => {
    let hungStarted = false;
    const harness = await start({
      retry: { delaysMs: [60_000] },
      consumer: { handlerTimeoutMs: 800 },
      handle: async (envelope) => {
        if ((envelope.payload as Noted).n === 1) {
          hungStarted = true;
          await new Promise<never>(() => undefined);
        }
      },
    });
    const hung = envelopeOf(harness.type, 'stuck', 1);
    const waiting = [envelopeOf(harness.type, 'stuck', 2), envelopeOf(harness.type, 'stuck', 3)];
    await harness.publish(hung, ...waiting);
    await waitFor(() => hungStarted, { what: 'the hung handler to start' });

    const stopping = Date.now();
    await harness.consumer.stop();
    expect(Date.now() - stopping).toBeLessThan(2_500);
    expect(await harness.noted()).toEqual([]);
    // The hung one failed into its retry (attempt 2, a minute away); the ones behind it are back in the queue as attempt 1.
    expect(await metricTotal(harness.metrics, 'shop_messages_timed_out_total')).toBe(1);
    expect(await metricTotal(harness.metrics, 'shop_messages_failed_total')).toBe(1);
    const broker = await BrokerProbe.open();
    cleanups.push(() => broker.close());
    await waitFor(async () => (await broker.readyCount(queueNameOf(harness.service))) === 2, { what: 'the waiting deliveries back in the queue' });
    expect(harness.deliveries.filter((delivery) => delivery.id !== hung.id).every((delivery) => delivery.attempt === 1)).toBe(true);
  });

  it('runs at most handlerConcurrency handler transactions at once', async () => {
    let running = 0;
    let most = 0;
    const harness = await start({
      retry: { delaysMs: [300] },
      consumer: { handlerConcurrency: 3 },
      handle: async () => {
        most = Math.max(most, ++running);
        await sleep(100);
        running--;
      },
    });
    await harness.publish(...Array.from({ length: 12 }, (_, i) => envelopeOf(harness.type, `aggregate-${i}`, i)));
    await waitFor(async () => (await harness.noted()).length === 12, { what: 'every message handled' });
    expect(most).toBe(3);
  });
});
