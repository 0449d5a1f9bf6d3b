import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseNameOf } from '@shop/persistence';
import { TEST_AMQP_URL, TEST_POSTGRES_URL, deleteQueuesOf, dropDatabase, sleep, startBroker, stopBroker, uniqueServiceName, waitFor } from '@shop/testing';
import { AmqpTransport } from '../src/amqp/index.js';
import { startDepositService, type RunningDepositService } from './support/deposit-service.js';

describe('a service on PostgreSQL + RabbitMQ while the broker restarts', () => {
  const service = uniqueServiceName();
  let svc: RunningDepositService | undefined;

  afterAll(async () => {
    await startBroker(); // whatever happened, leave the broker running
    await svc?.close();
    await dropDatabase(databaseNameOf(service));
    await deleteQueuesOf(service);
  });

  it('keeps accepting work, recovers publisher and consumer by itself, and loses no event', async () => {
    svc = await startDepositService({
      service,
      database: { postgresUrl: TEST_POSTGRES_URL, poolSize: 5 },
      transport: () =>
        AmqpTransport.connect({ url: TEST_AMQP_URL, connectionName: service, confirmTimeoutMs: 2_000, reconnectDelayMs: { initial: 100, max: 1_000 } }),
      ownsTransport: true,
      relay: { retryBaseMs: 100, retryMaxMs: 1_000 },
    });
    const running = svc;
    let written = 0;
    let writing = true;
    // Orders keep coming in while the broker is away: the use cases only need the database.
    const writer = (async () => {
      while (writing) {
        await running.deposits.deposit(randomUUID(), 1 + (written % 50), written);
        written++;
        await sleep(10);
      }
    })();

    await waitFor(async () => (await running.deposits.effects()).length >= 20, { what: 'traffic to flow before the outage' });
    await stopBroker();
    await waitFor(() => !running.transport.isReady(), { what: 'the transport to notice the outage' });
    await sleep(1_500);
    const pendingDuringOutage = await running.deposits.pendingOutboxRows();
    expect(pendingDuringOutage).toBeGreaterThan(0); // the outbox holds what could not be published
    await startBroker();
    await waitFor(() => running.transport.isReady(), { what: 'the transport to reconnect', timeoutMs: 30_000 });
    await sleep(1_000);
    writing = false;
    await writer;

    await waitFor(async () => (await running.deposits.pendingOutboxRows()) === 0, { what: 'the outbox to drain', timeoutMs: 60_000 });
    const effects = await waitFor(
      async () => {
        const rows = await running.deposits.effects();
        return rows.length >= written && rows;
      },
      { what: `all ${written} deposits to be handled`, timeoutMs: 60_000 },
    );
    await sleep(500);
    expect(new Set(effects.map((e) => e.message_id)).size).toBe(written);
    expect(await running.deposits.effects()).toHaveLength(written);
  });
});
