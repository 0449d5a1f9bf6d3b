import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseNameOf } from '@shop/persistence';
import { TEST_AMQP_URL, TEST_POSTGRES_URL, deleteQueuesOf, dropDatabase, uniqueServiceName, waitFor } from '@shop/testing';
import { AmqpTransport, MemoryTransport, runDlqCommand } from '../src/index.js';
import { dlqCli } from './support/dlq-cli.js';
import { startDepositService, type RunningDepositService } from './support/deposit-service.js';

const cli = () => dlqCli({ AMQP_URL: TEST_AMQP_URL }, 'dlq-cli-test');

async function poisonOne(svc: RunningDepositService, service: string): Promise<void> {
  svc.behaviour.poisoned.add(13);
  await svc.deposits.deposit(randomUUID(), 13);
  await waitFor(async () => (await svc.transport.depth(service)) === 1, { what: 'a dead letter' });
}

describe('the DLQ command', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('lists, inspects, counts and replays dead letters on RabbitMQ', async () => {
    const service = uniqueServiceName();
    cleanups.push(
      () => dropDatabase(databaseNameOf(service)),
      () => deleteQueuesOf(service),
    );
    const svc = await startDepositService({
      service,
      database: { postgresUrl: TEST_POSTGRES_URL, poolSize: 4 },
      transport: () => AmqpTransport.connect({ url: TEST_AMQP_URL, connectionName: service }),
      ownsTransport: true,
      retry: { delaysMs: [20] },
    });
    cleanups.push(() => svc.close());
    await poisonOne(svc, service);

    const depth = cli();
    expect(await runDlqCommand(['depth', service], depth)).toBe(0);
    expect(depth.lines).toEqual(['1']);

    const list = cli();
    expect(await runDlqCommand(['list', service], list)).toBe(0);
    expect(list.lines).toHaveLength(2);
    const [messageId, type, attempts] = list.lines[0]!.split('\t');
    expect(type).toBe('test.deposit-made.v1');
    expect(attempts).toBe('attempts=2');
    expect(list.lines[0]).toMatch(/poisoned/);

    const inspect = cli();
    expect(await runDlqCommand(['inspect', service, messageId!], inspect)).toBe(0);
    expect(JSON.parse(inspect.lines[0]!)).toMatchObject({ messageId, service, envelope: { id: messageId, payload: { amount: 13 } } });
    expect(await runDlqCommand(['depth', service], cli())).toBe(0); // inspecting kept it

    svc.behaviour.poisoned.clear();
    const replay = cli();
    expect(await runDlqCommand(['replay', service, messageId!], replay)).toBe(0);
    expect(replay.lines).toEqual([`replayed 1 dead letter(s) to ${service}.events`]);
    await waitFor(async () => (await svc.deposits.effects()).some((e) => e.message_id === messageId), { what: 'the replayed deposit to be handled' });
    expect(await svc.transport.depth(service)).toBe(0);
  });

  it('reads the dead letters of an embedded service from its SQLite file, and refuses bad input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shop-dlq-'));
    const memory = new MemoryTransport();
    const service = uniqueServiceName();
    cleanups.push(
      async () => rmSync(dir, { recursive: true, force: true }),
      () => memory.close(),
    );
    const svc = await startDepositService({ service, database: { sqliteDir: dir }, transport: () => memory, ownsTransport: false, retry: { delaysMs: [] } });
    cleanups.push(() => svc.close());
    await poisonOne(svc, service);

    const list = cli();
    expect(await runDlqCommand(['list', service, '--sqlite-dir', dir], list)).toBe(0);
    expect(list.lines.at(-1)).toBe('1 dead letter(s) listed');
    expect(list.lines[0]).toMatch(/poisoned/);

    const replay = cli();
    expect(await runDlqCommand(['replay', service, '--sqlite-dir', dir], replay)).toBe(2);
    expect(replay.errors[0]).toMatch(/inside the embedded process/);
    const unknown = cli();
    expect(await runDlqCommand(['purge', service], unknown)).toBe(2);
    expect(unknown.errors[0]).toMatch(/unknown command/);
    expect(await runDlqCommand(['list', service, '--limit', '-3'], cli())).toBe(2);

    // A service name typed wrong: answered, and no database made for it.
    const typo = cli();
    expect(await runDlqCommand(['depth', 'nobody_here', '--sqlite-dir', dir], typo)).toBe(2);
    expect(typo.errors).toEqual([`no database of nobody_here at ${join(dir, 'nobody_here.sqlite')}`]);
    expect(existsSync(join(dir, 'nobody_here.sqlite'))).toBe(false);
  });
});
