import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { TEST_POSTGRES_URL, dropDatabase, uniqueServiceName } from '@shop/testing';
import { databaseNameOf, openDataSource, openExistingServiceDatabase, withDatabase } from '../src/index.js';

class CreateNotes1700000000000 implements MigrationInterface {
  name = 'CreateNotes1700000000000';
  async up(runner: QueryRunner) {
    await runner.query(`CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT NOT NULL)`);
    await runner.query(`INSERT INTO note (id, text) VALUES (1, 'kept')`);
  }
  async down(runner: QueryRunner) {
    await runner.query(`DROP TABLE note`);
  }
}

async function databaseExists(name: string): Promise<boolean> {
  const admin = new pg.Client({ connectionString: withDatabase(TEST_POSTGRES_URL, 'postgres') });
  await admin.connect();
  try {
    return (await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).rowCount === 1;
  } finally {
    await admin.end();
  }
}

describe('openExistingServiceDatabase on PostgreSQL', () => {
  const open: DataSource[] = [];
  const databases: string[] = [];
  afterEach(async () => {
    for (const dataSource of open.splice(0)) if (dataSource.isInitialized) await dataSource.destroy();
    for (const name of databases.splice(0)) await dropDatabase(name);
  });

  it('opens the service database the server URL names (its database replaced), read-only when asked', async () => {
    const service = uniqueServiceName('existing');
    databases.push(databaseNameOf(service));
    open.push(await openDataSource({ service, postgresUrl: TEST_POSTGRES_URL, poolSize: 1, entities: [], migrations: [CreateNotes1700000000000] }));

    const reader = await openExistingServiceDatabase(
      service,
      { postgresUrl: withDatabase(TEST_POSTGRES_URL, 'postgres') },
      {},
      { applicationName: 'test', readOnly: true },
    );
    if (typeof reader === 'string') throw new Error(reader);
    open.push(reader);
    expect(await reader.query(`SELECT text FROM note`)).toEqual([{ text: 'kept' }]);
    await expect(reader.query(`INSERT INTO note (id, text) VALUES (2, 'no')`)).rejects.toThrow(/read-only transaction/);

    // $<SERVICE>_DATABASE_URL as it is, and a writer when not read-only.
    const writer = await openExistingServiceDatabase(
      service,
      {},
      { [`${service.toUpperCase()}_DATABASE_URL`]: withDatabase(TEST_POSTGRES_URL, databaseNameOf(service)) },
      { applicationName: 'test' },
    );
    if (typeof writer === 'string') throw new Error(writer);
    open.push(writer);
    await writer.query(`INSERT INTO note (id, text) VALUES (2, 'written')`);
    expect(await reader.query(`SELECT COUNT(*)::int AS n FROM note`)).toEqual([{ n: 2 }]);
  });

  it('fails on a database that does not exist, and does not create it', async () => {
    const name = `shop_missing_${randomUUID().slice(0, 8)}`;
    databases.push(name);
    await expect(
      openExistingServiceDatabase('points', {}, { POINTS_DATABASE_URL: withDatabase(TEST_POSTGRES_URL, name) }, { applicationName: 'test', readOnly: true }),
    ).rejects.toThrow(/does not exist/);
    expect(await databaseExists(name)).toBe(false);
  });
});
