import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventSchemaRegistry, Type, defineEvent, type EventEnvelope } from '@shop/contracts';
import { TransactionHost, openDataSource } from '@shop/persistence';
import { anEnvelope, waitFor } from '@shop/testing';
import { Inbox } from '../inbox/inbox.js';
import { messagingMigrations } from '../migrations/index.js';
import { silentLogger } from '@shop/observability';
import { MessagingMetrics } from '../observability/messaging-metrics.js';
import { isTransientDeliveryError, type ConsumerHandle, type Subscription, type Transport } from '../transport/transport.js';
import { EventConsumer, HandlerTimeoutError } from './event-consumer.js';

const Noted = defineEvent('test.noted.v1', Type.Object({ n: Type.Integer() }, { additionalProperties: false }));

const envelopeOf = (aggregateId: string, n: number, id = randomUUID()): EventEnvelope => anEnvelope(Noted.type, { id, aggregateId, payload: { n } });

/** Hands the consumer a handle that records pause/resume; deliveries are driven by the test. */
class RecordingTransport implements Partial<Transport> {
  readonly kind = 'memory' as const;
  readonly calls: string[] = [];
  async consume(_subscription: Subscription): Promise<ConsumerHandle> {
    return {
      cancel: async () => void this.calls.push('cancel'),
      pause: async () => void this.calls.push('pause'),
      resume: async () => void this.calls.push('resume'),
    };
  }
  async depth(): Promise<number> {
    return 0;
  }
}

const count = async (metrics: MessagingMetrics, name: string) =>
  (await metrics.registry.getSingleMetric(name)!.get()).values.reduce((sum, value) => sum + value.value, 0);

describe('EventConsumer (SQLite)', () => {
  let transactions: TransactionHost;
  let metrics: MessagingMetrics;
  let transport: RecordingTransport;
  let consumer: EventConsumer;
  let behaviour: (envelope: EventEnvelope) => Promise<void>;

  beforeEach(async () => {
    const dataSource = await openDataSource({ service: 'consumer_spec', sqliteDir: ':memory:', entities: [], migrations: messagingMigrations });
    await dataSource.query(`CREATE TABLE noted (aggregate_id TEXT NOT NULL, n INTEGER NOT NULL)`);
    transactions = new TransactionHost(dataSource);
    metrics = new MessagingMetrics();
    transport = new RecordingTransport();
    behaviour = async () => undefined;
    consumer = new EventConsumer(
      transport as unknown as Transport,
      transactions,
      new Inbox(transactions),
      new EventSchemaRegistry([Noted]),
      metrics,
      silentLogger(),
      {
        service: 'consumer_spec',
        prefetch: 8,
        retry: { delaysMs: [10] },
        handlerTimeoutMs: 150,
        outage: { initialDelayMs: 10, maxDelayMs: 20, probeTimeoutMs: 200 },
      },
    );
    consumer.register({
      type: Noted.type,
      handler: 'note',
      handle: async (envelope) => {
        await transactions.manager.query(`INSERT INTO noted (aggregate_id, n) VALUES (?, ?)`, [envelope.aggregateId, (envelope.payload as { n: number }).n]);
        await behaviour(envelope);
      },
    });
    await consumer.start();
  });
  afterEach(async () => {
    await consumer.stop();
    await transactions.dataSource.destroy();
  });

  const noted = async () =>
    (await transactions.dataSource.query(`SELECT aggregate_id, n FROM noted ORDER BY rowid`)) as Array<{ aggregate_id: string; n: number }>;

  it('fails a handler past its deadline into the retry path, rolls it back, and moves on to the next message of its aggregate', async () => {
    const hung = envelopeOf('a', 1);
    let abandonedWrite: Promise<unknown> | undefined;
    behaviour = async (envelope) => {
      if (envelope.id !== hung.id) return;
      const manager = transactions.manager;
      await new Promise((resolve) => setTimeout(resolve, 400));
      abandonedWrite = manager.query(`INSERT INTO noted (aggregate_id, n) VALUES ('a', 99)`).then(
        () => 'ran',
        (error: unknown) => error,
      );
    };
    const started = Date.now();
    const first = consumer.deliver({ envelope: hung, attempt: 1 }).then(
      () => 'handled',
      (error: unknown) => error,
    );
    const nextOfSameAggregate = consumer.deliver({ envelope: envelopeOf('a', 2), attempt: 1 });
    const otherAggregate = consumer.deliver({ envelope: envelopeOf('b', 3), attempt: 1 });

    expect(await first).toBeInstanceOf(HandlerTimeoutError);
    expect(Date.now() - started).toBeLessThan(400);
    await nextOfSameAggregate;
    await otherAggregate;
    expect((await noted()).sort((x, y) => x.n - y.n)).toEqual([
      { aggregate_id: 'a', n: 2 },
      { aggregate_id: 'b', n: 3 },
    ]);
    expect(await count(metrics, 'shop_messages_timed_out_total')).toBe(1);
    expect(await count(metrics, 'shop_messages_failed_total')).toBe(1);

    // The abandoned handler wakes up and tries to write: refused, nothing lands.
    await waitFor(() => abandonedWrite !== undefined, { what: 'the abandoned handler to wake', timeoutMs: 2_000 });
    expect(await abandonedWrite).toMatchObject({ name: 'TransactionAbandonedError' });

    // The retry runs normally and is applied once.
    behaviour = async () => undefined;
    await consumer.deliver({ envelope: hung, attempt: 2 });
    await consumer.deliver({ envelope: hung, attempt: 2 });
    expect((await noted()).map((row) => row.n).sort()).toEqual([1, 2, 3]);
  });

  it('gives a delivery back uncounted on SQLITE_BUSY and pauses until the database answers', async () => {
    behaviour = async () => {
      throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    };
    const error = await consumer.deliver({ envelope: envelopeOf('a', 1), attempt: 1 }).catch((e: unknown) => e);
    expect(isTransientDeliveryError(error)).toBe(true);
    expect(await count(metrics, 'shop_messages_transient_failures_total')).toBe(1);
    expect(await count(metrics, 'shop_messages_failed_total')).toBe(0);
    expect(transport.calls).toEqual(['pause']);
    await waitFor(() => !consumer.paused, { what: 'the consumer to resume', timeoutMs: 2_000 });
    expect(transport.calls).toEqual(['pause', 'resume']);
    expect(await count(metrics, 'shop_consumer_pauses_total')).toBe(1);
    expect(await noted()).toEqual([]);
  });

  it.each([
    ['57P01 admin shutdown (a PostgreSQL restart)', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    ['08006 connection failure', Object.assign(new Error('connection failure'), { code: '08006' })],
    ['a lost pg connection', new Error('Connection terminated unexpectedly')],
    ['a pool connect timeout', new Error('timeout exceeded when trying to connect')],
  ])('never counts %s as an attempt, even when the database already answers again', async (_name, thrown) => {
    behaviour = async () => {
      throw thrown;
    };
    const error = await consumer.deliver({ envelope: envelopeOf('a', 1), attempt: 1 }).catch((e: unknown) => e);
    expect(isTransientDeliveryError(error)).toBe(true);
    expect(await count(metrics, 'shop_messages_failed_total')).toBe(0);
    expect(await count(metrics, 'shop_messages_transient_failures_total')).toBe(1);
    await waitFor(() => !consumer.paused, { what: 'the consumer to resume', timeoutMs: 2_000 });
    expect(transport.calls).toEqual(['pause', 'resume']);
  });

  it('counts a connection-class error as the handler’s own failure while the database answers', async () => {
    behaviour = async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:443'), { code: 'ECONNREFUSED' });
    };
    const error = await consumer.deliver({ envelope: envelopeOf('a', 1), attempt: 1 }).catch((e: unknown) => e);
    expect(isTransientDeliveryError(error)).toBe(false);
    expect(await count(metrics, 'shop_messages_failed_total')).toBe(1);
    expect(await count(metrics, 'shop_messages_transient_failures_total')).toBe(0);
    expect(transport.calls).toEqual([]);
  });
});
