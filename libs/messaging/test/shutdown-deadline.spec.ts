import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { EventEnvelope } from '@shop/contracts';
import { databaseNameOf } from '@shop/persistence';
import { TEST_AMQP_URL, TEST_POSTGRES_URL, TcpProxy, deleteQueuesOf, dropDatabase, sleep, uniqueServiceName, waitFor } from '@shop/testing';
import type { Transport } from '../src/index.js';
import { DepositMadeV1, startDepositService, type DepositMade } from './support/deposit-service.js';

const SHUTDOWN_TIMEOUT_MS = 3_000;

const connectAmqp = (service: string) => async (): Promise<Transport> =>
  (await import('../src/amqp/index.js')).AmqpTransport.connect({ url: TEST_AMQP_URL, connectionName: service, confirmTimeoutMs: 5_000 });

const deposit = (payload: DepositMade): EventEnvelope<DepositMade> => ({
  id: randomUUID(),
  type: DepositMadeV1.type,
  occurredAt: new Date().toISOString(),
  source: 'test',
  aggregateId: payload.accountId,
  correlationId: `corr-${randomUUID()}`,
  causationId: null,
  payload,
});

describe('shutting down with a deadline (PostgreSQL + RabbitMQ)', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  it('a black-holed database: close() returns within the deadline, names what it abandoned, and nothing is lost', async () => {
    const service = uniqueServiceName('shutdown');
    cleanups.push(() => deleteQueuesOf(service));
    cleanups.push(() => dropDatabase(databaseNameOf(service)));
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(TEST_POSTGRES_URL).port || 5432) });
    cleanups.push(() => proxy.close());
    const warnings: Array<{ step?: string; msg: string }> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line) as { step?: string; msg: string }) });

    const running = await startDepositService({
      service,
      database: { postgresUrl: proxy.url(TEST_POSTGRES_URL), poolSize: 6 },
      transport: connectAmqp(service),
      ownsTransport: true,
      shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS,
      logger,
    });
    let closed = false;
    cleanups.push(() => (closed ? Promise.resolve() : running.close()));
    const accountId = randomUUID();
    await running.deposits.deposit(accountId, 1);
    await waitFor(async () => (await running.deposits.effects()).length === 1, { what: 'the first deposit handled' });

    proxy.setMode('blackhole');
    // Work in flight on the dead database: a delivery whose handler cannot commit, and the relay's next pass.
    const stranded = deposit({ accountId, amount: 2, sequence: 1 });
    expect(await running.transport.publishBatch([stranded])).toEqual([{ ok: true }]);
    await sleep(500);

    const started = Date.now();
    await running.close();
    closed = true;
    const tookMs = Date.now() - started;
    expect(tookMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 1_500);
    expect(warnings.filter((w) => w.msg.includes('abandoned')).map((w) => w.step)).toContain('consumer stop');

    // The network comes back; another instance (straight to the server) handles the returned delivery once.
    proxy.setMode('pass');
    const next = await startDepositService({
      service,
      database: { postgresUrl: TEST_POSTGRES_URL, poolSize: 6 },
      transport: connectAmqp(service),
      ownsTransport: true,
    });
    cleanups.push(() => next.close());
    await waitFor(async () => (await next.deposits.effects()).filter((effect) => effect.message_id === stranded.id).length === 1, {
      timeoutMs: 60_000,
      what: 'the stranded delivery handled after the restart',
    });
    await sleep(300);
    expect((await next.deposits.effects()).filter((effect) => effect.message_id === stranded.id)).toHaveLength(1);
  });
});
