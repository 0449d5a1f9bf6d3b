import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from 'amqplib';
import { EventSchemaRegistry, Type, defineEvent, defineSubscriptions, eventOf } from '@shop/contracts';
import { TransactionHost, databaseNameOf, openDataSource } from '@shop/persistence';
import { TEST_AMQP_URL, TEST_POSTGRES_URL, deleteQueuesOf, dropDatabase, sleep, uniqueServiceName, waitFor } from '@shop/testing';
import {
  AmqpTransport,
  MessagingMetrics,
  OutboxRelay,
  OutboxSignal,
  OutboxWriter,
  defaultRelayOptions,
  isUnroutableError,
  messagingMigrations,
  queueNameOf,
} from '../src/index.js';
import { silentLogger } from '@shop/observability';
import { DepositMadeV1, depositSubscriptions, startDepositService, type RunningDepositService } from './support/deposit-service.js';

/** Ready messages in `queue`, or null when it does not exist. */
async function readyCount(queue: string): Promise<number | null> {
  const connection = await connect(TEST_AMQP_URL);
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    return (await channel.checkQueue(queue)).messageCount;
  } catch {
    return null;
  } finally {
    await connection.close().catch(() => {});
  }
}

/**
 * PostgreSQL + RabbitMQ: a producer declares its consumers' queues from the subscription manifest
 * before its relay publishes anything, and a publish nobody receives is not confirmed away.
 */
describe('topology from the subscription manifest', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });

  async function start(service: string, consumer: string, options: { consume: boolean }): Promise<RunningDepositService> {
    const svc = await startDepositService({
      service,
      database: { postgresUrl: TEST_POSTGRES_URL, poolSize: 4 },
      transport: () => AmqpTransport.connect({ url: TEST_AMQP_URL, connectionName: service, confirmTimeoutMs: 5_000 }),
      ownsTransport: true,
      consume: options.consume,
      subscriptions: depositSubscriptions([consumer]),
    });
    cleanups.push(() => svc.close());
    return svc;
  }

  function names(): { producer: string; consumer: string } {
    const producer = uniqueServiceName('producer');
    const consumer = uniqueServiceName('consumer');
    for (const service of [producer, consumer])
      cleanups.push(
        () => dropDatabase(databaseNameOf(service)),
        () => deleteQueuesOf(service),
      );
    return { producer, consumer };
  }

  it('keeps an event published before its consumer ever started in that consumer’s queue, and the consumer handles it when it starts', async () => {
    const { producer, consumer } = names();
    const svc = await start(producer, consumer, { consume: false });
    const accountId = randomUUID();
    await svc.deposits.deposit(accountId, 42);
    await waitFor(async () => (await svc.deposits.pendingOutboxRows()) === 0, { what: 'the row to be published' });
    // At least ours: the deposit type is shared by every deposit service that runs on the broker now.
    expect(await readyCount(queueNameOf(consumer))).toBeGreaterThanOrEqual(1);

    const late = await start(consumer, consumer, { consume: true });
    const effect = await waitFor(async () => (await late.deposits.effects()).find((row) => row.account_id === accountId), {
      what: 'the late consumer to handle the event',
    });
    expect(effect).toMatchObject({ account_id: accountId, amount: 42 });
  });

  it('fails a publish whose consumer queue is gone with UnroutableError: the row stays pending and goes out once the queue is back', async () => {
    const { producer, consumer } = names();
    // A type only this test binds (the deposit type is bound by every deposit service on the broker).
    const contract = defineEvent(`${consumer.replace(/_/g, '-')}.happened.v1`, Type.Object({ n: Type.Integer() }));
    const manifest = defineSubscriptions([{ service: consumer, eventTypes: [contract.type] }], [contract]);
    const dataSource = await openDataSource({ service: producer, postgresUrl: TEST_POSTGRES_URL, entities: [], migrations: messagingMigrations, poolSize: 4 });
    cleanups.push(() => dataSource.destroy());
    const transactions = new TransactionHost(dataSource);
    const transport = await AmqpTransport.connect({ url: TEST_AMQP_URL, connectionName: producer, confirmTimeoutMs: 5_000 });
    cleanups.push(() => transport.close());
    await transport.declareTopology(manifest);
    await deleteQueuesOf(consumer);

    const [outcome] = await transport.publishBatch([
      {
        ...eventOf(contract, randomUUID(), { n: 0 }),
        id: randomUUID(),
        occurredAt: new Date().toISOString(),
        source: producer,
        correlationId: randomUUID(),
        causationId: null,
      },
    ]);
    expect(outcome?.ok === false && isUnroutableError(outcome.error) && outcome.error.eventType).toBe(contract.type);

    const signal = new OutboxSignal();
    const metrics = new MessagingMetrics();
    const writer = new OutboxWriter(transactions, new EventSchemaRegistry([contract]), signal, {
      source: producer,
      partitions: defaultRelayOptions.partitions,
    });
    const relay = new OutboxRelay(transactions, transport, signal, metrics, silentLogger(), { ...defaultRelayOptions, pollIntervalMs: 100 });
    await transactions.run(() => writer.add(eventOf(contract, randomUUID(), { n: 1 })));
    const pending = async () => Number(((await dataSource.query('SELECT COUNT(*) AS n FROM outbox_pending')) as Array<{ n: string }>)[0]!.n);
    relay.start();
    cleanups.push(() => relay.stop());
    await waitFor(async () => /shop_outbox_unroutable_total\{type="[^"]+"\} [1-9]/.test(await metrics.text()), { what: 'the relay to count the return' });
    await sleep(1_000); // more relay passes
    expect(await pending()).toBe(1);
    expect(await readyCount(queueNameOf(consumer))).toBeNull();

    // The queue is back (the consumer started, or any service declared the manifest again): it goes out.
    await transport.declareTopology(manifest);
    await waitFor(async () => (await pending()) === 0, { what: 'the row to go out', timeoutMs: 60_000 });
    expect(await readyCount(queueNameOf(consumer))).toBe(1);
  });

  it('does not start when the broker refuses the declaration, and says why', async () => {
    const { producer, consumer } = names();
    // A queue left behind with other arguments: a classic queue where the consumer's quorum queue belongs.
    const connection = await connect(TEST_AMQP_URL);
    await (await connection.createChannel()).assertQueue(queueNameOf(consumer), { durable: true });
    await connection.close();
    await expect(start(producer, consumer, { consume: false })).rejects.toThrow(
      new RegExp(`^${producer}: could not declare the messaging topology, not starting: .*PRECONDITION_FAILED`),
    );
  });

  it('refuses to start a consumer whose handlers the manifest does not route to it', async () => {
    const { producer, consumer } = names();
    // The deposit handler runs in `producer`, but the manifest sends the deposits to `consumer` only.
    await expect(start(producer, consumer, { consume: true })).rejects.toThrow(
      `${producer} refuses to start: it has handlers for '${DepositMadeV1.type}', which the subscription manifest does not route to '${producer}'`,
    );
  });
});
