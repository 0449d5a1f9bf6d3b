import { afterEach, describe, expect, it } from 'vitest';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { TEST_POSTGRES_URL, dropDatabase, uniqueServiceName } from '@shop/testing';
import { TransactionHost, databaseNameOf, openDataSource } from '../src/index.js';

class CreateCounter1700000000000 implements MigrationInterface {
  name = 'CreateCounter1700000000000';
  async up(runner: QueryRunner) {
    await runner.query(`CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)`);
    await runner.query(`INSERT INTO counter (id, value) VALUES (1, 0), (2, 0)`);
  }
  async down(runner: QueryRunner) {
    await runner.query(`DROP TABLE counter`);
  }
}

describe('TransactionHost deadlines on PostgreSQL', () => {
  let dataSource: DataSource | undefined;
  let service = '';
  afterEach(async () => {
    await dataSource?.destroy().catch(() => undefined);
    await dropDatabase(databaseNameOf(service));
  });

  const open = async (poolSize: number) => {
    service = uniqueServiceName('txdeadline');
    dataSource = await openDataSource({ service, postgresUrl: TEST_POSTGRES_URL, poolSize, entities: [], migrations: [CreateCounter1700000000000] });
    return new TransactionHost(dataSource);
  };
  const valueOf = async (host: TransactionHost, id: number) =>
    ((await host.dataSource.query(`SELECT value FROM counter WHERE id = $1`, [id])) as Array<{ value: number }>)[0]!.value;

  it('abandons a transaction whose query still runs: rejects at the deadline, frees the only pooled connection, never commits', async () => {
    const host = await open(1);
    const deadline = new AbortController();
    const running = host.run(
      async () => {
        await host.manager.query(`UPDATE counter SET value = 99 WHERE id = 1`);
        await host.manager.query(`SELECT pg_sleep(8)`);
        await host.manager.query(`UPDATE counter SET value = 100 WHERE id = 2`);
      },
      { signal: deadline.signal },
    );
    setTimeout(() => deadline.abort(new Error('handler deadline')), 300);
    const started = Date.now();
    await expect(running).rejects.toThrow('handler deadline');
    expect(Date.now() - started).toBeLessThan(1_000);

    // With a pool of one, the next transaction runs only if the abandoned one let its connection go.
    const next = Date.now();
    await host.run(() => host.manager.query(`UPDATE counter SET value = value + 1 WHERE id = 2`));
    expect(Date.now() - next).toBeLessThan(2_500);
    expect(await valueOf(host, 2)).toBe(1);

    // Once the server has seen the connection gone, nothing of the abandoned transaction is left.
    const sleeping = async () =>
      (
        (await host.dataSource.query(
          `SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep%'`,
        )) as Array<{ n: number }>
      )[0]!.n;
    const until = Date.now() + 15_000;
    while ((await sleeping()) > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await sleeping()).toBe(0);
    expect(await valueOf(host, 1)).toBe(0);
    expect(await valueOf(host, 2)).toBe(1);
  });

  it('rolls back an idle abandoned transaction at once and refuses its later queries', async () => {
    const host = await open(2);
    const deadline = new AbortController();
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    let late: Promise<unknown> | undefined;
    let updated!: () => void;
    const hasUpdated = new Promise<void>((resolve) => (updated = resolve));
    const running = host.run(
      async () => {
        await host.manager.query(`UPDATE counter SET value = 7 WHERE id = 1`);
        updated();
        const manager = host.manager;
        await woken;
        late = manager.query(`UPDATE counter SET value = 8 WHERE id = 1`).then(
          () => 'ran',
          (error: unknown) => error,
        );
      },
      { signal: deadline.signal },
    );
    await hasUpdated;
    deadline.abort(new Error('handler deadline'));
    await expect(running).rejects.toThrow('handler deadline');
    // Not idle in a transaction: the ROLLBACK went out, and the row lock is gone.
    await host.run(() => host.manager.query(`UPDATE counter SET value = value + 1 WHERE id = 1`));
    wake();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Refused before it reaches the connection (by TypeORM once the runner is released, by the host's guard before).
    expect(await late).toMatchObject({ name: expect.stringMatching(/^(TransactionAbandonedError|QueryRunnerProviderAlreadyReleasedError)$/) });
    expect(await valueOf(host, 1)).toBe(1);
  });
});
