import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { EventSchemaRegistry, Type, defineEvent, publishedLanguage, type EventEnvelope } from '@shop/contracts';
import { TransactionHost, databaseNameOf, openDataSource } from '@shop/persistence';
import { ManualClock } from '@shop/shared-kernel';
import { TEST_AMQP_URL, TEST_POSTGRES_URL, deleteQueuesOf, dropDatabase, sleep, uniqueServiceName, waitFor } from '@shop/testing';
import type { DataSource } from 'typeorm';
import {
  Inbox,
  MemoryTransport,
  MessagingMetrics,
  OutboxRelay,
  OutboxSignal,
  OutboxWriter,
  defaultRelayOptions,
  messagingMigrations,
  type ConsumerHandle,
  type DeadLetter,
  type PublishOutcome,
  type Subscription,
  type Transport,
} from '../src/index.js';
import { silentLogger } from '@shop/observability';
import { DepositMadeV1 } from './support/deposit-service.js';

const connectAmqp = async (name: string, confirmTimeoutMs = 5_000): Promise<Transport> =>
  (await import('../src/amqp/index.js')).AmqpTransport.connect({ url: TEST_AMQP_URL, connectionName: name, confirmTimeoutMs });

/** An event type of one test only, so that no other test's queue receives its events or its queue theirs. */
const tickedOfTest = (service: string) =>
  defineEvent(`test.relay-${service.replace(/[^a-z0-9]/g, '')}.v1`, Type.Object({ n: Type.Integer() }, { additionalProperties: false }));

/**
 * The real AMQP transport, except that the broker "nacks" one chosen message every time (what a
 * poison message looks like to the relay); every other message goes through the broker.
 */
class NackingOneMessage implements Transport {
  readonly kind = 'amqp' as const;
  attemptsOnPoison = 0;

  constructor(
    private readonly inner: Transport,
    private readonly poisonId: string,
  ) {}

  async publishBatch(envelopes: readonly EventEnvelope[]): Promise<PublishOutcome[]> {
    const others = envelopes.filter((envelope) => envelope.id !== this.poisonId);
    const outcomes = await this.inner.publishBatch(others);
    return envelopes.map((envelope) => {
      if (envelope.id !== this.poisonId) return outcomes.shift()!;
      this.attemptsOnPoison++;
      return { ok: false, error: new Error('message nacked') };
    });
  }
  consume(subscription: Subscription): Promise<ConsumerHandle> {
    return this.inner.consume(subscription);
  }
  isReady(): boolean {
    return this.inner.isReady();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  list(service: string, limit?: number): Promise<DeadLetter[]> {
    return this.inner.list(service, limit);
  }
  replay(service: string, messageIds?: readonly string[]): Promise<number> {
    return this.inner.replay(service, messageIds);
  }
  depth(service: string): Promise<number> {
    return this.inner.depth(service);
  }
}

describe('outbox relay and inbox on PostgreSQL', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function database(service: string): Promise<DataSource> {
    const dataSource = await openDataSource({ service, postgresUrl: TEST_POSTGRES_URL, entities: [], migrations: messagingMigrations, poolSize: 6 });
    cleanups.push(() => dataSource.destroy());
    return dataSource;
  }

  it('two copies of a message at the same moment: the second waits for the first and is a duplicate', async () => {
    const service = uniqueServiceName();
    cleanups.push(() => dropDatabase(databaseNameOf(service)));
    const transactions = new TransactionHost(await database(service));
    const inbox = new Inbox(transactions);
    const messageId = randomUUID();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));

    const first = transactions.run(async () => {
      const recorded = await inbox.record(messageId, 'credit-account');
      await gate;
      return recorded;
    });
    await sleep(100);
    let secondSettled = false;
    const second = transactions.run(() => inbox.record(messageId, 'credit-account')).finally(() => (secondSettled = true));
    await sleep(300);
    expect(secondSettled).toBe(false); // blocked on the first transaction's key
    release();
    expect(await first).toBe(true);
    expect(await second).toBe(false);
    // Another handler of the same message is not a duplicate.
    expect(await transactions.run(() => inbox.record(messageId, 'earn-points'))).toBe(true);
  });

  it('two relay instances on one outbox publish every row and keep the order of each aggregate', async () => {
    const service = uniqueServiceName();
    const observer = `${service}_observer`;
    cleanups.push(() => dropDatabase(databaseNameOf(service)));
    cleanups.push(() => deleteQueuesOf(observer));
    const registry = new EventSchemaRegistry([...publishedLanguage, DepositMadeV1]);
    const options = { ...defaultRelayOptions, partitions: 8, batchSize: 50, concurrency: 4, pollIntervalMs: 20 };

    // The observer is a single consumer with prefetch 1: it sees the queue's order.
    const observerTransport = await connectAmqp(observer);
    cleanups.push(() => observerTransport.close());
    const arrivals: Array<{ aggregateId: string; sequence: number }> = [];
    const aggregates: string[] = Array.from({ length: 30 }, () => randomUUID());
    const consumer = await observerTransport.consume({
      service: observer,
      eventTypes: [DepositMadeV1.type],
      prefetch: 1,
      retry: { delaysMs: [100] },
      handle: async ({ envelope }) => {
        const { aggregateId, payload } = envelope as { aggregateId: string; payload: { sequence: number } };
        // The queue is bound to a type other tests publish too: count only this test's aggregates.
        if (aggregates.includes(aggregateId)) arrivals.push({ aggregateId, sequence: payload.sequence });
      },
    });
    cleanups.push(() => consumer.cancel());

    const signal = new OutboxSignal();
    const relays = await Promise.all(
      ['a', 'b'].map(async (name) => {
        const transport = await connectAmqp(`${service}-relay-${name}`);
        cleanups.push(() => transport.close());
        const relay = new OutboxRelay(
          new TransactionHost(await database(service)),
          transport,
          new OutboxSignal(),
          new MessagingMetrics(),
          silentLogger(),
          options,
        );
        relay.start();
        cleanups.push(() => relay.stop());
        return relay;
      }),
    );
    expect(relays).toHaveLength(2);

    const writerDb = new TransactionHost(await database(service));
    const writer = new OutboxWriter(writerDb, registry, signal, { source: service, partitions: options.partitions });
    const perAggregate = 40;
    // Writers commit concurrently while both relays run: 30 aggregates × 40 events, in 4 streams.
    await Promise.all(
      [0, 1, 2, 3].map(async (stream) => {
        for (let sequence = 0; sequence < perAggregate; sequence++) {
          const mine = aggregates.filter((_, i) => i % 4 === stream);
          await writerDb.run(() =>
            writer.add(...mine.map((accountId) => ({ type: DepositMadeV1.type, aggregateId: accountId, payload: { accountId, amount: 1, sequence } }))),
          );
        }
      }),
    );
    const total = aggregates.length * perAggregate;
    await waitFor(() => arrivals.length >= total, { what: `${total} events at the observer`, timeoutMs: 60_000 });
    const [pending] = (await writerDb.dataSource.query(`SELECT COUNT(*)::int AS n FROM outbox_pending`)) as Array<{ n: number }>;
    expect(pending?.n).toBe(0);
    await sleep(300);
    expect(arrivals).toHaveLength(total); // nothing published twice
    for (const aggregateId of aggregates) {
      const sequences = arrivals.filter((a) => a.aggregateId === aggregateId).map((a) => a.sequence);
      expect(sequences).toEqual(Array.from({ length: perAggregate }, (_, i) => i));
    }
  });

  /** An observer of the test's own event type: one consumer with prefetch 1 sees the queue's order. */
  async function observe(service: string, type: string): Promise<Array<{ id: string; aggregateId: string; n: number }>> {
    const observer = `${service}_observer`;
    cleanups.push(() => deleteQueuesOf(observer));
    const transport = await connectAmqp(observer);
    cleanups.push(() => transport.close());
    const arrivals: Array<{ id: string; aggregateId: string; n: number }> = [];
    const consumer = await transport.consume({
      service: observer,
      eventTypes: [type],
      prefetch: 1,
      retry: { delaysMs: [100] },
      handle: async ({ envelope }) => {
        const { id, aggregateId, payload } = envelope as EventEnvelope<{ n: number }>;
        arrivals.push({ id, aggregateId, n: payload.n });
      },
    });
    cleanups.push(() => consumer.cancel());
    return arrivals;
  }

  it('moves a row the broker refuses maxAttempts times to outbox_dead; the next row of its aggregate then goes out', async () => {
    const service = uniqueServiceName();
    cleanups.push(() => dropDatabase(databaseNameOf(service)));
    const Ticked = tickedOfTest(service);
    const arrivals = await observe(service, Ticked.type);
    const transactions = new TransactionHost(await database(service));
    const options = { ...defaultRelayOptions, partitions: 4, maxAttempts: 3, retryBaseMs: 20, retryMaxMs: 100, pollIntervalMs: 20 };
    const writer = new OutboxWriter(transactions, new EventSchemaRegistry([Ticked]), new OutboxSignal(), { source: service, partitions: options.partitions });
    const [a, b] = [randomUUID(), randomUUID()];
    await transactions.run(() =>
      writer.add({ type: Ticked.type, aggregateId: a, payload: { n: 1 } }, { type: Ticked.type, aggregateId: a, payload: { n: 2 } }),
    );
    await transactions.run(() => writer.add({ type: Ticked.type, aggregateId: b, payload: { n: 10 } }));
    const [poison] = (await transactions.dataSource.query(`SELECT seq, message_id FROM outbox WHERE aggregate_id = $1 ORDER BY seq LIMIT 1`, [a])) as Array<{
      seq: string;
      message_id: string;
    }>;

    const transport = new NackingOneMessage(await connectAmqp(`${service}-relay`), poison!.message_id);
    cleanups.push(() => transport.close());
    const metrics = new MessagingMetrics();
    const relay = new OutboxRelay(transactions, transport, new OutboxSignal(), metrics, silentLogger(), options);
    relay.start();
    cleanups.push(() => relay.stop());

    const dead = await waitFor(
      async () => {
        const rows = (await transactions.dataSource.query(`SELECT seq, aggregate_id, attempts, last_error FROM outbox_dead`)) as Array<Record<string, unknown>>;
        return rows.length > 0 && rows;
      },
      { what: 'the poison row in outbox_dead', timeoutMs: 20_000 },
    );
    expect(dead).toEqual([{ seq: poison!.seq, aggregate_id: a, attempts: 3, last_error: 'message nacked' }]);
    expect(transport.attemptsOnPoison).toBe(3);
    await waitFor(() => arrivals.some((arrival) => arrival.n === 2), { what: "the aggregate's next row at the observer", timeoutMs: 20_000 });
    await waitFor(async () => ((await relay.backlog()).pending === 0 ? true : undefined), { what: 'nothing pending', timeoutMs: 10_000 });
    expect(arrivals.map((arrival) => arrival.n)).not.toContain(1);
    expect(arrivals.filter((arrival) => arrival.n === 10)).toHaveLength(1);
    expect((await metrics.outboxDeadLettered.get()).values).toEqual([expect.objectContaining({ value: 1, labels: { type: Ticked.type } })]);
    // The event stays in the outbox, where the dlq command finds it.
    const [kept] = (await transactions.dataSource.query(`SELECT COUNT(*)::int AS n FROM outbox WHERE seq = $1`, [poison!.seq])) as Array<{ n: number }>;
    expect(kept?.n).toBe(1);
  });

  it('three relays drain a backlog spread over the partitions, a batch per partition per pass: every row once, in order per aggregate', async () => {
    const service = uniqueServiceName();
    cleanups.push(() => dropDatabase(databaseNameOf(service)));
    const Ticked = tickedOfTest(service);
    const arrivals = await observe(service, Ticked.type);
    const options = { ...defaultRelayOptions, partitions: 8, batchSize: 20, batchesPerPartition: 1, concurrency: 3, pollIntervalMs: 20 };
    const writerDb = new TransactionHost(await database(service));
    const writer = new OutboxWriter(writerDb, new EventSchemaRegistry([Ticked]), new OutboxSignal(), { source: service, partitions: options.partitions });
    const aggregates = Array.from({ length: 40 }, () => randomUUID());
    const perAggregate = 25;
    for (let n = 0; n < perAggregate; n++) {
      await writerDb.run(() => writer.add(...aggregates.map((aggregateId) => ({ type: Ticked.type, aggregateId, payload: { n } }))));
    }

    for (const name of ['a', 'b', 'c']) {
      // A long confirm timeout: on this busy machine a timed-out batch would be published twice, which is legal but not what this test counts.
      const transport = await connectAmqp(`${service}-relay-${name}`, 30_000);
      cleanups.push(() => transport.close());
      const relay = new OutboxRelay(
        new TransactionHost(await database(service)),
        transport,
        new OutboxSignal(),
        new MessagingMetrics(),
        silentLogger(),
        options,
      );
      relay.start();
      cleanups.push(() => relay.stop());
    }

    const total = aggregates.length * perAggregate;
    await waitFor(() => arrivals.length >= total, { what: `${total} events at the observer`, timeoutMs: 60_000 });
    await sleep(300);
    expect(new Set(arrivals.map((arrival) => arrival.id)).size).toBe(total);
    expect(arrivals).toHaveLength(total);
    for (const aggregateId of aggregates) {
      expect(arrivals.filter((arrival) => arrival.aggregateId === aggregateId).map((arrival) => arrival.n)).toEqual(
        Array.from({ length: perAggregate }, (_, i) => i),
      );
    }
    const [pending] = (await writerDb.dataSource.query(`SELECT COUNT(*)::int AS n FROM outbox_pending`)) as Array<{ n: number }>;
    expect(pending?.n).toBe(0);
  });

  it('prunes on one instance at a time (another holding the prune lock makes it skip) and keeps rows still in outbox_dead', async () => {
    const service = uniqueServiceName();
    cleanups.push(() => dropDatabase(databaseNameOf(service)));
    const Ticked = tickedOfTest(service);
    const transactions = new TransactionHost(await database(service));
    const longAgo = new ManualClock(new Date('2020-01-01T00:00:00Z'));
    const writer = new OutboxWriter(transactions, new EventSchemaRegistry([Ticked]), new OutboxSignal(), { source: service, partitions: 4 }, longAgo);
    await transactions.run(() => writer.add(...[1, 2, 3].map((n) => ({ type: Ticked.type, aggregateId: randomUUID(), payload: { n } }))));
    // Two rows sent long ago, one dead.
    await transactions.dataSource.query(
      `INSERT INTO outbox_dead (seq, partition_no, aggregate_id, created_at, attempts, last_error, dead_at)
       SELECT seq, partition_no, aggregate_id, created_at, 20, 'refused', created_at FROM outbox_pending ORDER BY seq LIMIT 1`,
    );
    await transactions.dataSource.query(`DELETE FROM outbox_pending`);
    const relay = new OutboxRelay(transactions, new MemoryTransport(), new OutboxSignal(), new MessagingMetrics(), silentLogger(), defaultRelayOptions);

    const otherInstance = (await database(service)).createQueryRunner();
    await otherInstance.connect();
    cleanups.push(() => otherInstance.release());
    await otherInstance.query(`SELECT pg_advisory_lock($1, -1)`, [defaultRelayOptions.lockNamespace]);
    expect(await relay.prune()).toBe(0);
    await otherInstance.query(`SELECT pg_advisory_unlock($1, -1)`, [defaultRelayOptions.lockNamespace]);

    expect(await relay.prune()).toBe(2);
    const left = (await transactions.dataSource.query(`SELECT o.seq FROM outbox o JOIN outbox_dead d ON d.seq = o.seq`)) as unknown[];
    const [all] = (await transactions.dataSource.query(`SELECT COUNT(*)::int AS n FROM outbox`)) as Array<{ n: number }>;
    expect(left).toHaveLength(1);
    expect(all?.n).toBe(1);
  });
});
