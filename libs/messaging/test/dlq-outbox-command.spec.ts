import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventSchemaRegistry, Type, defineEvent } from '@shop/contracts';
import { TransactionHost, databaseNameOf, openDataSource, withDatabase, type DatabaseOptions } from '@shop/persistence';
import { TEST_POSTGRES_URL, dropDatabase, uniqueServiceName } from '@shop/testing';
import type { DataSource } from 'typeorm';
import { OutboxSignal, OutboxWriter, messagingMigrations, runDlqCommand } from '../src/index.js';
import { dlqCli } from './support/dlq-cli.js';

const Shipped = defineEvent('test.shipped.v1', Type.Object({ n: Type.Integer() }));
const DEAD_AT = Date.parse('2026-11-30T12:00:00.000Z');

const cli = (env: Record<string, string | undefined> = {}) => dlqCli(env, 'dlq-outbox-test');

interface Written {
  readonly messageId: string;
  readonly aggregateId: string;
  readonly seq: number;
}

/** Writes a1, a2, a3 and b1 through the writer, then does what the relay does to a row after OUTBOX_MAX_ATTEMPTS failures to a1, a2 and b1. */
async function outboxWithDeadRows(options: DatabaseOptions): Promise<{ dataSource: DataSource; rows: Written[] }> {
  const dataSource = await openDataSource(options);
  const transactions = new TransactionHost(dataSource);
  const writer = new OutboxWriter(transactions, new EventSchemaRegistry([Shipped]), new OutboxSignal(), { source: options.service, partitions: 4 });
  await transactions.run(() =>
    writer.add(...[1, 2, 3].map((n) => ({ type: Shipped.type, aggregateId: 'a', payload: { n } })), {
      type: Shipped.type,
      aggregateId: 'b',
      payload: { n: 1 },
    }),
  );
  const rows = (
    (await dataSource.query(`SELECT message_id, aggregate_id, seq FROM outbox ORDER BY seq`)) as Array<{
      message_id: string;
      aggregate_id: string;
      seq: string;
    }>
  ).map((r) => ({ messageId: r.message_id, aggregateId: r.aggregate_id, seq: Number(r.seq) }));
  const buried = [rows[0]!.seq, rows[1]!.seq, rows[3]!.seq];
  await transactions.run(async () => {
    for (const seq of buried) {
      await transactions.manager.query(
        `INSERT INTO outbox_dead (seq, partition_no, aggregate_id, created_at, attempts, last_error, dead_at)
         SELECT seq, partition_no, aggregate_id, created_at, 20, 'broker said: no
         route', ${DEAD_AT} FROM outbox_pending WHERE seq = ${seq}`,
      );
      await transactions.manager.query(`DELETE FROM outbox_pending WHERE seq = ${seq}`);
    }
  });
  return { dataSource, rows };
}

const tableOf = async (dataSource: DataSource, table: 'outbox_dead' | 'outbox_pending' | 'outbox') =>
  ((await dataSource.query(`SELECT seq FROM ${table} ORDER BY seq`)) as Array<{ seq: string }>).map((r) => Number(r.seq));

describe('the DLQ command on dead outbox rows', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('lists, replays and discards dead outbox rows on PostgreSQL', async () => {
    const service = uniqueServiceName();
    cleanups.push(() => dropDatabase(databaseNameOf(service)));
    const { dataSource, rows } = await outboxWithDeadRows({
      service,
      postgresUrl: TEST_POSTGRES_URL,
      entities: [],
      migrations: messagingMigrations,
      poolSize: 2,
    });
    cleanups.push(() => dataSource.destroy());
    const [a1, a2, a3, b1] = rows as [Written, Written, Written, Written];
    const env = { POSTGRES_URL: TEST_POSTGRES_URL };

    const list = cli(env);
    expect(await runDlqCommand(['outbox-list', service], list)).toBe(0);
    expect(list.errors).toEqual([]);
    expect(list.lines).toEqual([
      [a1.seq, a1.messageId, Shipped.type, 'a#1', 'attempts=20', '2026-11-30T12:00:00.000Z', 'broker said: no route'].join('\t'),
      [a2.seq, a2.messageId, Shipped.type, 'a#2', 'attempts=20', '2026-11-30T12:00:00.000Z', 'broker said: no route'].join('\t'),
      [b1.seq, b1.messageId, Shipped.type, 'b#1', 'attempts=20', '2026-11-30T12:00:00.000Z', 'broker said: no route'].join('\t'),
      '3 of 3 dead outbox row(s) listed',
    ]);
    // The full database URL of the service works as well, and --limit bounds the list.
    const byServiceUrl = cli({ [`${service.toUpperCase()}_DATABASE_URL`]: withDatabase(TEST_POSTGRES_URL, databaseNameOf(service)) });
    expect(await runDlqCommand(['outbox-list', service, '--limit', '1'], byServiceUrl)).toBe(0);
    expect(byServiceUrl.lines.at(-1)).toBe('1 of 3 dead outbox row(s) listed');

    const replayOne = cli(env);
    expect(await runDlqCommand(['outbox-replay', service, a1.messageId], replayOne)).toBe(0);
    expect(replayOne.lines).toEqual([`replayed 1 dead outbox row(s) of ${service} (pending again)`]);
    expect(await tableOf(dataSource, 'outbox_dead')).toEqual([a2.seq, b1.seq]);
    expect(await tableOf(dataSource, 'outbox_pending')).toEqual([a1.seq, a3.seq]);
    expect(await dataSource.query(`SELECT attempts, next_attempt_at, last_error FROM outbox_pending WHERE seq = $1`, [a1.seq])).toEqual([
      { attempts: 0, next_attempt_at: '0', last_error: null },
    ]);

    const unknown = cli(env);
    expect(await runDlqCommand(['outbox-replay', service, a1.messageId], unknown)).toBe(1);
    expect(unknown.errors).toEqual([`no dead outbox row with message id ${a1.messageId}`]);

    const discardNothingNamed = cli(env);
    expect(await runDlqCommand(['outbox-discard', service], discardNothingNamed)).toBe(2);
    expect(discardNothingNamed.errors[0]).toMatch(/--all/);
    const discard = cli(env);
    expect(await runDlqCommand(['outbox-discard', service, b1.messageId], discard), discard.errors.join()).toBe(0);
    expect(discard.lines).toEqual([`discarded 1 dead outbox row(s) of ${service}`]);
    expect(await tableOf(dataSource, 'outbox_dead')).toEqual([a2.seq]);
    expect(await tableOf(dataSource, 'outbox')).toEqual([a1.seq, a2.seq, a3.seq, b1.seq]); // the event stays until pruned

    const replayAll = cli(env);
    expect(await runDlqCommand(['outbox-replay', service], replayAll)).toBe(0);
    expect(replayAll.lines).toEqual([`replayed 1 dead outbox row(s) of ${service} (pending again)`]);
    expect(await tableOf(dataSource, 'outbox_dead')).toEqual([]);
    expect(await tableOf(dataSource, 'outbox_pending')).toEqual([a1.seq, a2.seq, a3.seq]);

    const noDatabase = cli({});
    expect(await runDlqCommand(['outbox-list', service], noDatabase)).toBe(2);
    expect(noDatabase.errors[0]).toMatch(/--postgres-url.*POSTGRES_URL.*--sqlite-dir/);
    const missing = cli(env);
    expect(await runDlqCommand(['outbox-list', uniqueServiceName()], missing)).toBe(1);
    expect(missing.errors[0]).toMatch(/cannot open the database/);
  });

  it('lists, replays and discards dead outbox rows in an embedded service’s SQLite file while it is stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shop-dlq-outbox-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const service = uniqueServiceName();
    const { dataSource, rows } = await outboxWithDeadRows({ service, sqliteDir: dir, entities: [], migrations: messagingMigrations });
    await dataSource.destroy(); // the service is stopped
    const [a1, a2, a3, b1] = rows as [Written, Written, Written, Written];
    const args = ['--sqlite-dir', dir];

    const list = cli();
    expect(await runDlqCommand(['outbox-list', service, ...args], list)).toBe(0);
    expect(list.lines.map((l) => l.split('\t').slice(0, 5).join(' '))).toEqual([
      `${a1.seq} ${a1.messageId} ${Shipped.type} a#1 attempts=20`,
      `${a2.seq} ${a2.messageId} ${Shipped.type} a#2 attempts=20`,
      `${b1.seq} ${b1.messageId} ${Shipped.type} b#1 attempts=20`,
      '3 of 3 dead outbox row(s) listed',
    ]);

    const replay = cli();
    expect(await runDlqCommand(['outbox-replay', service, a1.messageId, a2.messageId, ...args], replay)).toBe(0);
    expect(replay.lines).toEqual([`replayed 2 dead outbox row(s) of ${service} (pending again)`]);
    const discard = cli();
    expect(await runDlqCommand(['outbox-discard', service, '--all', ...args], discard)).toBe(0);
    expect(discard.lines).toEqual([`discarded 1 dead outbox row(s) of ${service}`]);

    const reopened = await openDataSource({ service, sqliteDir: dir, entities: [], migrations: messagingMigrations });
    try {
      expect(await tableOf(reopened, 'outbox_dead')).toEqual([]);
      expect(await tableOf(reopened, 'outbox_pending')).toEqual([a1.seq, a2.seq, a3.seq]);
      expect(await tableOf(reopened, 'outbox')).toEqual([a1.seq, a2.seq, a3.seq, b1.seq]);
      expect(await reopened.query(`SELECT DISTINCT attempts, next_attempt_at FROM outbox_pending`)).toEqual([{ attempts: 0, next_attempt_at: 0 }]);
    } finally {
      await reopened.destroy();
    }
    const typo = cli();
    expect(await runDlqCommand(['outbox-list', 'nobody_here', ...args], typo)).toBe(2);
    expect(typo.errors[0]).toMatch(/no database of nobody_here/);
  });
});
