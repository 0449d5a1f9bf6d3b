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

describe('TransactionHost.read on PostgreSQL', () => {
  let dataSource: DataSource | undefined;
  let service = '';
  afterEach(async () => {
    await dataSource?.destroy().catch(() => undefined);
    await dropDatabase(databaseNameOf(service));
  });

  it('reads at once beside an open transaction (no queue), seeing only what was committed; inside a transaction it joins it', async () => {
    service = uniqueServiceName('txread');
    dataSource = await openDataSource({ service, postgresUrl: TEST_POSTGRES_URL, poolSize: 3, entities: [], migrations: [CreateCounter1700000000000] });
    const host = new TransactionHost(dataSource);
    const value = async () => ((await host.manager.query(`SELECT value FROM counter WHERE id = 1`)) as Array<{ value: number }>)[0]!.value;

    let written!: () => void;
    const writtenInTransaction = new Promise<void>((resolve) => (written = resolve));
    let commit!: () => void;
    const commitNow = new Promise<void>((resolve) => (commit = resolve));
    const committed = host.run(async () => {
      await host.manager.query(`UPDATE counter SET value = 99 WHERE id = 1`);
      expect(await host.read(value)).toBe(99);
      written();
      await commitNow;
    });
    await writtenInTransaction;

    // Would hang (the test times out) were reads queued behind the open transaction.
    expect(await host.read(value)).toBe(0);
    commit();
    await committed;
    expect(await host.read(value)).toBe(99);
  });
});
