import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { TEST_POSTGRES_URL, TcpProxy, dropDatabase, uniqueServiceName } from '@shop/testing';
import { databaseNameOf, ensurePostgresDatabase, openDataSource, withDatabase, type DatabaseTimeouts } from '../src/index.js';

class CreateThing1700000000000 implements MigrationInterface {
  name = 'CreateThing1700000000000';
  async up(runner: QueryRunner) {
    await runner.query(`CREATE TABLE thing (id INTEGER PRIMARY KEY)`);
  }
  async down(runner: QueryRunner) {
    await runner.query(`DROP TABLE thing`);
  }
}

const setting = async (dataSource: DataSource, name: string): Promise<string> =>
  ((await dataSource.query(`SHOW ${name}`)) as Array<Record<string, string>>)[0]![name]!;

const pool = (dataSource: DataSource) => (dataSource.driver as unknown as { master: pg.Pool }).master;

async function elapsed(work: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = Date.now();
  try {
    await work;
    return { ms: Date.now() - started, error: undefined };
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
}

describe('PostgreSQL deadlines', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function open(service: string, options: { url?: string; timeouts?: Partial<DatabaseTimeouts> } = {}): Promise<DataSource> {
    const dataSource = await openDataSource({
      service,
      postgresUrl: options.url ?? TEST_POSTGRES_URL,
      entities: [],
      migrations: [CreateThing1700000000000],
      poolSize: 3,
      timeouts: options.timeouts,
    });
    cleanups.push(() => (dataSource.isInitialized ? dataSource.destroy() : Promise.resolve()));
    return dataSource;
  }

  function newService(): string {
    const service = uniqueServiceName('deadlines');
    cleanups.push(() => dropDatabase(databaseNameOf(service)));
    return service;
  }

  it('every session has the default server-side deadlines, and the pool its connect, query and keepalive settings', async () => {
    const dataSource = await open(newService());
    expect(await setting(dataSource, 'statement_timeout')).toBe('30s');
    expect(await setting(dataSource, 'lock_timeout')).toBe('10s');
    expect(await setting(dataSource, 'idle_in_transaction_session_timeout')).toBe('1min');
    expect(pool(dataSource).options).toMatchObject({
      connectionTimeoutMillis: 5_000,
      query_timeout: 35_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      max: 3,
    });
  });

  it('configured deadlines hold for every connection of the pool, inside transactions too', async () => {
    const dataSource = await open(newService(), {
      timeouts: { statementTimeoutMs: 1_234, lockTimeoutMs: 567, idleInTransactionTimeoutMs: 8_910, queryTimeoutMs: 4_321 },
    });
    const runners = [dataSource.createQueryRunner(), dataSource.createQueryRunner(), dataSource.createQueryRunner()];
    try {
      for (const runner of runners) {
        await runner.startTransaction();
        const [row] = (await runner.query(
          `SELECT current_setting('statement_timeout') AS s, current_setting('lock_timeout') AS l, current_setting('idle_in_transaction_session_timeout') AS i`,
        )) as Array<{ s: string; l: string; i: string }>;
        expect(row).toEqual({ s: '1234ms', l: '567ms', i: '8910ms' });
      }
    } finally {
      for (const runner of runners) {
        await runner.rollbackTransaction();
        await runner.release();
      }
    }
    expect(pool(dataSource).options.query_timeout).toBe(4_321);
    // The server enforces them: a statement past its deadline is cancelled.
    await expect(dataSource.query(`SELECT pg_sleep(3)`)).rejects.toThrow(/statement timeout/);
  });

  it('the client query deadline follows a changed statement timeout unless set itself', async () => {
    const dataSource = await open(newService(), { timeouts: { statementTimeoutMs: 50_000 } });
    expect(pool(dataSource).options.query_timeout).toBe(55_000);
  });

  it('a query the network swallows fails after the client deadline, and its connection leaves the pool', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(TEST_POSTGRES_URL).port || 5432) });
    cleanups.push(() => proxy.close());
    const dataSource = await open(newService(), { url: proxy.url(TEST_POSTGRES_URL), timeouts: { queryTimeoutMs: 1_000, connectTimeoutMs: 1_000 } });
    await dataSource.query('SELECT 1');
    expect(pool(dataSource).totalCount).toBe(1);

    proxy.setMode('blackhole');
    const swallowed = await elapsed(dataSource.query('SELECT 1'));
    expect(String(swallowed.error)).toMatch(/Query read timeout/);
    expect(swallowed.ms).toBeLessThan(2_500);
    // Dropped, not handed out again to queue behind an answer that may never come.
    await expect.poll(() => pool(dataSource).totalCount).toBe(0);

    // Black-holed, a new connection gives up after the connect deadline.
    const connecting = await elapsed(dataSource.query('SELECT 1'));
    expect(connecting.error).toBeDefined();
    expect(connecting.ms).toBeLessThan(2_500);

    proxy.setMode('pass');
    expect(await dataSource.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('opening a database behind a black-holed network gives up after the connect deadline', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(TEST_POSTGRES_URL).port || 5432) });
    cleanups.push(() => proxy.close());
    proxy.setMode('blackhole');
    const opening = await elapsed(open(newService(), { url: proxy.url(TEST_POSTGRES_URL), timeouts: { connectTimeoutMs: 700 } }));
    expect(String(opening.error)).toMatch(/timeout/i);
    expect(opening.ms).toBeLessThan(3_000);
  });

  it("an instance waits for another one's migrations at most the migration deadline", async () => {
    const service = newService();
    const databaseUrl = withDatabase(TEST_POSTGRES_URL, databaseNameOf(service));
    await ensurePostgresDatabase(databaseUrl);
    const other = new pg.Client({ connectionString: databaseUrl });
    await other.connect();
    cleanups.push(() => other.end());
    await other.query(`SELECT pg_advisory_lock(hashtext('shop.migrations'))`);

    const waiting = await elapsed(open(service, { timeouts: { migrationTimeoutMs: 800 } }));
    expect(String(waiting.error)).toMatch(/gave up after 800 ms waiting for another instance's migrations/);
    expect(waiting.ms).toBeLessThan(3_000);

    await other.query(`SELECT pg_advisory_unlock(hashtext('shop.migrations'))`);
    const dataSource = await open(service, { timeouts: { migrationTimeoutMs: 800 } });
    expect(await dataSource.query(`SELECT COUNT(*)::int AS n FROM thing`)).toEqual([{ n: 0 }]);
    // Migrations ran under their own deadline, not the sessions' shorter one.
    expect(await setting(dataSource, 'statement_timeout')).toBe('30s');
  });
});
