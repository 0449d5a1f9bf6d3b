import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseNameOf } from '@shop/persistence';
import { TEST_AMQP_URL, TEST_POSTGRES_URL, deleteQueuesOf, dropDatabase, sleep, uniqueServiceName, waitFor } from '@shop/testing';
import { AmqpTransport } from '../src/index.js';
import { startDepositService, type RunningDepositService } from './support/deposit-service.js';

describe('a relay process killed between the broker confirm and marking the rows sent', () => {
  const service = uniqueServiceName();
  let svc: RunningDepositService | undefined;
  let child: ChildProcess | undefined;

  afterAll(async () => {
    child?.kill('SIGKILL');
    await svc?.close();
    await dropDatabase(databaseNameOf(service));
    await deleteQueuesOf(service);
  });

  it('publishes the rows again after restart; the inbox turns the copies into no-ops', async () => {
    // This instance consumes but does not relay: the doomed process does, first.
    svc = await startDepositService({
      service,
      database: { postgresUrl: TEST_POSTGRES_URL, poolSize: 4 },
      transport: () => AmqpTransport.connect({ url: TEST_AMQP_URL, connectionName: service }),
      ownsTransport: true,
      runRelay: false,
    });
    const running = svc;
    // One account: its three events share a partition and go out in one batch.
    const accountId = randomUUID();
    for (let i = 0; i < 3; i++) await running.deposits.deposit(accountId, 10 + i, i);

    const doomed = fork(fileURLToPath(new URL('./support/doomed-relay.mjs', import.meta.url)), [service, TEST_POSTGRES_URL, TEST_AMQP_URL], {
      stdio: 'inherit',
      execArgv: [], // not vitest's: plain node resolves the workspace packages to their build
    });
    child = doomed;
    const confirmed = await new Promise<{ confirmed: number; ids: string[] }>((resolve, reject) => {
      doomed.on('message', (m: { confirmed?: number; ids?: string[] }) => m.confirmed !== undefined && resolve(m as { confirmed: number; ids: string[] }));
      doomed.on('exit', (code) => reject(new Error(`the relay process exited early (${code})`)));
    });
    expect(confirmed.confirmed).toBe(3);
    doomed.kill('SIGKILL');
    await new Promise((resolve) => doomed.once('exit', resolve));

    // The broker had them, the database never heard: delivered once, still pending.
    await waitFor(async () => (await running.deposits.effects()).length === 3, { what: 'the first copies to be handled' });
    expect(await running.deposits.pendingOutboxRows()).toBe(3);

    // The next relay (here: this instance's) publishes them again.
    expect(await running.relay.publishPending()).toBe(3);
    expect(await running.deposits.pendingOutboxRows()).toBe(0);
    await waitFor(async () => /shop_messages_duplicate_total\{[^}]*\} 3/.test(await running.metrics.text()), { what: 'three duplicates to be skipped' });
    await sleep(200);
    const effects = await running.deposits.effects();
    expect(effects).toHaveLength(3);
    expect(new Set(effects.map((e) => e.message_id))).toEqual(new Set(confirmed.ids));
  });
});
