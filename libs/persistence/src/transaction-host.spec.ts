import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { openDataSource } from './data-source.factory.js';
import { TransactionHost } from './transaction-host.js';

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

describe('TransactionHost on SQLite', () => {
  let host: TransactionHost;
  beforeEach(async () => {
    host = new TransactionHost(await openDataSource({ service: 'tx_spec', sqliteDir: ':memory:', entities: [], migrations: [CreateCounter1700000000000] }));
  });
  afterEach(() => host.dataSource.destroy());

  const value = async () => ((await host.dataSource.query(`SELECT value FROM counter WHERE id = 1`)) as Array<{ value: number }>)[0]!.value;
  const increment = () => host.run(async () => {
    const current = await value();
    await new Promise((r) => setTimeout(r, 1));
    await host.manager.query(`UPDATE counter SET value = ? WHERE id = 1`, [current + 1]);
  });

  it('serialises overlapping transactions on the one connection: 200 at once, no error, no lost update', async () => {
    const results = await Promise.allSettled(Array.from({ length: 200 }, increment));
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(0);
    expect(await value()).toBe(200);
  });

  it('rolls back on error, joins an outer transaction, and runs after-commit callbacks only on commit', async () => {
    const fired: string[] = [];
    await expect(host.run(async () => {
      await host.manager.query(`UPDATE counter SET value = 99 WHERE id = 1`);
      host.afterCommit(() => fired.push('rolled-back'));
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(await value()).toBe(0);

    await host.run(async () => {
      await host.run(async () => host.manager.query(`UPDATE counter SET value = 5 WHERE id = 1`));
      host.afterCommit(() => fired.push('committed'));
      expect(fired).toEqual([]);
    });
    expect(fired).toEqual(['committed']);
    expect(await value()).toBe(5);
  });
});
