import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { EventSchemaRegistry, publishedLanguage } from '@shop/contracts';
import { TransactionHost, databaseNameOf, openDataSource } from '@shop/persistence';
import { TEST_AMQP_URL, TEST_POSTGRES_URL, deleteQueuesOf, dropDatabase, sleep, uniqueServiceName, waitFor } from '@shop/testing';
import type { DataSource } from 'typeorm';
import {
  Inbox,
  MessagingMetrics,
  OutboxRelay,
  OutboxSignal,
  OutboxWriter,
  defaultRelayOptions,
  messagingMigrations,
  silentLogger,
  type Transport,
} from '../src/index.js';
import { DepositMadeV1 } from './support/deposit-service.js';

const connectAmqp = async (name: string): Promise<Transport> =>
  (await import('../src/amqp/index.js')).AmqpTransport.connect({ url: TEST_AMQP_URL, connectionName: name, confirmTimeoutMs: 5_000 });

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
    const consumer = await observerTransport.consume({
      service: observer,
      eventTypes: [DepositMadeV1.type],
      prefetch: 1,
      retry: { delaysMs: [100] },
      handle: async ({ envelope }) => {
        const { aggregateId, payload } = envelope as { aggregateId: string; payload: { sequence: number } };
        arrivals.push({ aggregateId, sequence: payload.sequence });
      },
    });
    cleanups.push(() => consumer.cancel());

    const signal = new OutboxSignal();
    const relays = await Promise.all(
      ['a', 'b'].map(async (name) => {
        const transport = await connectAmqp(`${service}-relay-${name}`);
        cleanups.push(() => transport.close());
        const relay = new OutboxRelay(new TransactionHost(await database(service)), transport, new OutboxSignal(), new MessagingMetrics(), silentLogger(), options);
        relay.start();
        cleanups.push(() => relay.stop());
        return relay;
      }),
    );
    expect(relays).toHaveLength(2);

    const writerDb = new TransactionHost(await database(service));
    const writer = new OutboxWriter(writerDb, registry, signal, { source: service, partitions: options.partitions });
    const aggregates = Array.from({ length: 30 }, () => randomUUID());
    const perAggregate = 40;
    // Writers commit concurrently while both relays run: 30 aggregates × 40 events, in 4 streams.
    await Promise.all(
      [0, 1, 2, 3].map(async (stream) => {
        for (let sequence = 0; sequence < perAggregate; sequence++) {
          const mine = aggregates.filter((_, i) => i % 4 === stream);
          await writerDb.run(() => writer.add(...mine.map((accountId) => ({ type: DepositMadeV1.type, aggregateId: accountId, payload: { accountId, amount: 1, sequence } }))));
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
});
