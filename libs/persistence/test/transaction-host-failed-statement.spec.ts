import { afterEach, describe, expect, it } from 'vitest';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { TEST_POSTGRES_URL, dropDatabase, uniqueServiceName } from '@shop/testing';
import { TransactionHost, databaseNameOf, openDataSource } from '../src/index.js';

class CreateCounter1700000000000 implements MigrationInterface {
  name = 'CreateCounter1700000000000';
  async up(runner: QueryRunner) {
    await runner.query(`CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)`);
    await runner.query(`INSERT INTO counter (id, value) VALUES (1, 0)`);
  }
  async down(runner: QueryRunner) {
    await runner.query(`DROP TABLE counter`);
  }
}

/**
 * PostgreSQL answers COMMIT on a transaction in which a statement failed with ROLLBACK, and no error:
 * work that catches a failed statement and carries on must not be told that it committed.
 */
describe('TransactionHost on PostgreSQL: a statement failed inside the work', () => {
  let dataSource: DataSource | undefined;
  let service = '';
  afterEach(async () => {
    await dataSource?.destroy().catch(() => undefined);
    await dropDatabase(databaseNameOf(service));
  });

  const open = async () => {
    service = uniqueServiceName('txfailed');
    dataSource = await openDataSource({ service, postgresUrl: TEST_POSTGRES_URL, poolSize: 2, entities: [], migrations: [CreateCounter1700000000000] });
    return new TransactionHost(dataSource);
  };
  const valueOf = async (host: TransactionHost) =>
    ((await host.dataSource.query(`SELECT value FROM counter WHERE id = 1`)) as Array<{ value: number }>)[0]!.value;

  it('rejects instead of reporting a commit that PostgreSQL turned into a rollback, and runs no after-commit callback', async () => {
    const host = await open();
    let afterCommitRan = false;
    const outcome = host
      .run(async () => {
        await host.manager.query(`UPDATE counter SET value = 1 WHERE id = 1`);
        host.afterCommit(() => (afterCommitRan = true));
        // A duplicate key the work expects and ignores: the statement fails, and with it the transaction.
        await host.manager.query(`INSERT INTO counter (id, value) VALUES (1, 5)`).catch(() => undefined);
        return 'done';
      })
      .then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
    const settled = await outcome;
    expect(await valueOf(host)).toBe(0);
    expect(settled).toMatchObject({ error: { name: 'TransactionAbortedError' } });
    expect(afterCommitRan).toBe(false);
    // The connection is fine afterwards.
    await host.run(() => host.manager.query(`UPDATE counter SET value = 2 WHERE id = 1`));
    expect(await valueOf(host)).toBe(2);
  });

  it('still commits work whose failed statement was inside a savepoint that was rolled back', async () => {
    const host = await open();
    await host.run(async () => {
      await host.manager.query(`UPDATE counter SET value = 3 WHERE id = 1`);
      await host.manager.query(`SAVEPOINT optional_insert`);
      await host.manager.query(`INSERT INTO counter (id, value) VALUES (1, 5)`).catch(() => undefined);
      await host.manager.query(`ROLLBACK TO SAVEPOINT optional_insert`);
    });
    expect(await valueOf(host)).toBe(3);
  });
});
