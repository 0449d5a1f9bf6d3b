import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from 'amqplib';
import { eventOf } from '@shop/contracts';
import { databaseNameOf } from '@shop/persistence';
import { TEST_AMQP_URL, TEST_POSTGRES_URL, deleteQueuesOf, dropDatabase, sleep, uniqueServiceName, waitFor } from '@shop/testing';
import { AmqpTransport, isUnroutableError, queueNameOf } from '../src/index.js';
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
    for (const service of [producer, consumer]) cleanups.push(() => dropDatabase(databaseNameOf(service)), () => deleteQueuesOf(service));
    return { producer, consumer };
  }

  it('keeps an event published before its consumer ever started in that consumer’s queue, and the consumer handles it when it starts', async () => {
    const { producer, consumer } = names();
    const svc = await start(producer, consumer, { consume: false });
    const accountId = randomUUID();
    await svc.deposits.deposit(accountId, 42);
    await waitFor(async () => (await svc.deposits.pendingOutboxRows()) === 0, { what: 'the row to be published' });
    expect(await readyCount(queueNameOf(consumer))).toBe(1);

    const late = await start(consumer, consumer, { consume: true });
    const [effect] = await waitFor(async () => {
      const effects = await late.deposits.effects();
      return effects.length > 0 && effects;
    }, { what: 'the late consumer to handle the event' });
    expect(effect).toMatchObject({ account_id: accountId, amount: 42 });
    expect(await readyCount(queueNameOf(consumer))).toBe(0);
  });

  it('fails a publish whose consumer queue is gone with UnroutableError: the row stays pending and goes out once the queue is back', async () => {
    const { producer, consumer } = names();
    const svc = await start(producer, consumer, { consume: false });
    await deleteQueuesOf(consumer);

    const envelope = {
      ...eventOf(DepositMadeV1, randomUUID(), { accountId: randomUUID(), amount: 1, sequence: 0 }),
      id: randomUUID(),
      occurredAt: new Date().toISOString(),
      source: producer,
      correlationId: randomUUID(),
      causationId: null,
    };
    const [outcome] = await svc.transport.publishBatch([envelope]);
    expect(outcome?.ok === false && isUnroutableError(outcome.error) && outcome.error.eventType).toBe(DepositMadeV1.type);

    const accountId = randomUUID();
    await svc.deposits.deposit(accountId, 7);
    await sleep(1_500); // several relay passes
    expect(await svc.deposits.pendingOutboxRows()).toBe(1);
    expect(await readyCount(queueNameOf(consumer))).toBeNull();

    // The consumer starts and declares its queue: the relay's next attempt reaches it.
    const late = await start(consumer, consumer, { consume: true });
    await waitFor(async () => (await svc.deposits.pendingOutboxRows()) === 0, { what: 'the row to go out', timeoutMs: 60_000 });
    const [effect] = await waitFor(async () => {
      const effects = await late.deposits.effects();
      return effects.length > 0 && effects;
    }, { what: 'the consumer to handle the event' });
    expect(effect).toMatchObject({ account_id: accountId, amount: 7 });
  });

  it('refuses to start a consumer whose handlers the manifest does not route to it', async () => {
    const { producer, consumer } = names();
    // The deposit handler runs in `producer`, but the manifest sends the deposits to `consumer` only.
    await expect(start(producer, consumer, { consume: true })).rejects.toThrow(
      `${producer} refuses to start: it has handlers for '${DepositMadeV1.type}', which the subscription manifest does not route to '${producer}'`,
    );
  });
});
