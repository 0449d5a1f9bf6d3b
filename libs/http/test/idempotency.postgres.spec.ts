// Idempotency-Key on PostgreSQL: two instances of a service on one database, a restart, a crashed
// request, expiry and pruning. The probe route's effect inserts a row (test/support/idempotent-app.ts).
import { databaseNameOf, openDataSource, TransactionHost } from '@shop/persistence';
import { ManualClock } from '@shop/shared-kernel';
import { TEST_POSTGRES_URL, dropDatabase, uniqueServiceName } from '@shop/testing';
import type { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { IdempotencyStore, idempotencyMigrations, pruneExpiredIdempotencyKeys, type IdempotencyModuleOptions } from '../src/index.js';
import { gate, probeMigrations, startProbeApp, type Answer, type ProbeApp } from './support/idempotent-app.js';

const ORDER = { item: 'book', quantity: 2 };
const HOUR = 3600_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Time passing, as the store sees it on PostgreSQL (the database's clock): every key's times moved back by `ms`. */
const age = (dataSource: DataSource, ms: number) =>
  dataSource.query(
    `UPDATE idempotency_key SET locked_until = locked_until - $1::bigint, created_at = created_at - $1::bigint, expires_at = expires_at - $1::bigint`,
    [ms],
  );

describe('Idempotency-Key on PostgreSQL', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  /** A database of its own, dropped after the test. */
  function service(): string {
    const name = uniqueServiceName('idem');
    cleanups.push(() => dropDatabase(databaseNameOf(name)));
    return name;
  }

  async function open(name: string, poolSize = 4): Promise<DataSource> {
    const dataSource = await openDataSource({
      service: name,
      postgresUrl: TEST_POSTGRES_URL,
      entities: [],
      migrations: [...idempotencyMigrations, ...probeMigrations],
      poolSize,
    });
    cleanups.push(async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
    });
    return dataSource;
  }

  /** An instance of the probe service: its own pool and Nest app on the service's database. */
  async function instance(name: string, options: IdempotencyModuleOptions = {}, poolSize = 4): Promise<ProbeApp & { dataSource: DataSource }> {
    const dataSource = await open(name, poolSize);
    const app = await startProbeApp(dataSource, { pruning: false, ...options });
    cleanups.push(() => app.close());
    return { ...app, dataSource };
  }

  const signature = (answer: Answer) => `${answer.status} ${answer.contentType} ${answer.body}`;

  it('20 identical requests at once over two instances: one effect, 20 identical answers', async () => {
    const name = service();
    // Small pools: a request waiting for another's answer holds no connection.
    const [a, b] = [await instance(name, {}, 3), await instance(name, {}, 3)];
    // A slow effect, so that every request arrives while the first still runs.
    a.probe.hold = b.probe.hold = sleep(300);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).post('/orders', ORDER, { key: 'burst' })));

    expect(await a.orders()).toBe(1);
    expect(a.probe.runs + b.probe.runs).toBe(1);
    expect(new Set(answers.map(signature))).toEqual(new Set([signature(answers[0]!)]));
    expect(answers[0]!.status).toBe(201);
    expect(answers.filter((answer) => answer.replayed === 'true')).toHaveLength(19);
  });

  it('the same key with another body is refused on every instance (422), without an effect', async () => {
    const name = service();
    const [a, b] = [await instance(name), await instance(name)];
    expect((await a.post('/orders', ORDER, { key: 'k-1' })).status).toBe(201);
    for (const app of [a, b]) {
      const other = await app.post('/orders', { item: 'book', quantity: 3 }, { key: 'k-1' });
      expect(other.status).toBe(422);
      expect(other.json()['code']).toBe('IDEMPOTENCY_KEY_REUSED');
    }
    expect(await a.orders()).toBe(1);
  });

  it('the answer survives a restart: a new instance on the same database replays it', async () => {
    const name = service();
    const before = await instance(name);
    const first = await before.post('/orders', ORDER, { key: 'k-1' });
    expect(first.status).toBe(201);
    await before.close();
    await before.dataSource.destroy();

    const after = await instance(name);
    const replayed = await after.post('/orders', ORDER, { key: 'k-1' });
    expect(replayed).toMatchObject({ status: 201, contentType: first.contentType, body: first.body, replayed: 'true' });
    expect(after.probe.runs).toBe(0);
    expect(await after.orders()).toBe(1);
  });

  it('a request whose process dies after its effect leaves neither the effect nor an answer; the key is taken over after its lease', async () => {
    const name = service();
    // b's clock runs an hour ahead: on PostgreSQL leases are read on the database's clock, so it takes nothing over early.
    const [a, b] = [await instance(name, { waitMs: 200 }), await instance(name, { clock: new ManualClock(new Date(Date.now() + HOUR)), waitMs: 200 })];
    const stuck = gate();
    const effected = gate();
    a.probe.holdAfterEffect = stuck.promise;
    a.probe.effected = effected.open;
    const dying = a.post('/orders', ORDER, { key: 'k-1' });
    cleanups.push(async () => {
      stuck.open();
      await dying;
    });
    await effected.promise;
    // The effect is written, the answer not yet: end the transaction's connection as a crash would.
    const killed = await b.dataSource.query<Array<{ pid: number }>>(
      `SELECT pg_terminate_backend(pid) AS pid FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'`,
    );
    expect(killed).toHaveLength(1);

    // The key is still claimed by the dead request: others are told to come back.
    const busy = await b.post('/orders', ORDER, { key: 'k-1' });
    expect(busy.status).toBe(409);
    expect(busy.json()['code']).toBe('REQUEST_IN_PROGRESS');
    expect(busy.retryAfter).toBe('1');
    expect(await b.orders()).toBe(0);

    await age(b.dataSource, 35_000); // the lease: execution timeout (30 s) and its margin
    const taken = await b.post('/orders', ORDER, { key: 'k-1' });
    expect(taken).toMatchObject({ status: 201, replayed: null });
    expect(await b.orders()).toBe(1);
    expect(await b.post('/orders', ORDER, { key: 'k-1' })).toMatchObject({ status: 201, body: taken.body, replayed: 'true' });
  });

  it('a request that outlives its lease and loses its key rolls its effect back: one effect in all', async () => {
    const name = service();
    const [a, b] = [await instance(name), await instance(name)];
    const slow = gate();
    const effected = gate();
    a.probe.holdAfterEffect = slow.promise;
    a.probe.effected = effected.open;
    const late = a.post('/orders', ORDER, { key: 'k-1' });
    await effected.promise;

    await age(b.dataSource, 35_000);
    const taken = await b.post('/orders', ORDER, { key: 'k-1' });
    expect(taken.status).toBe(201);
    slow.open();
    expect((await late).status).toBe(500);
    expect(await a.orders()).toBe(1);
    expect(await a.post('/orders', ORDER, { key: 'k-1' })).toMatchObject({ status: 201, body: taken.body, replayed: 'true' });
  });

  it('expiry: after the TTL the same key runs anew', async () => {
    const name = service();
    const app = await instance(name, { ttlMs: 2 * HOUR });
    const first = await app.post('/orders', ORDER, { key: 'k-1' });
    await age(app.dataSource, 2 * HOUR);
    const anew = await app.post('/orders', ORDER, { key: 'k-1' });
    expect(anew).toMatchObject({ status: 201, replayed: null });
    expect(anew.body).not.toBe(first.body);
    expect(await app.orders()).toBe(2);
  });

  it('pruning: two instances at once delete each expired key once, in bounded batches, and keep the rest', async () => {
    const name = service();
    const now = Date.now();
    const [one, two] = [await open(name), await open(name)];
    const EXPIRED = 2_500;
    await one.query(
      `INSERT INTO idempotency_key (scope, request_key, method, path, fingerprint, owner, locked_until, response_status, response_body, created_at, expires_at)
       SELECT 'user:u-' || (i % 7), 'k-' || i, 'POST', '/orders', repeat('f', 64), NULL, 0, 201, '{}', $1::bigint - 25 * 3600000, $1::bigint - i
       FROM generate_series(1, ${EXPIRED}) AS i
       UNION ALL
       SELECT 'user:u-1', 'fresh-' || i, 'POST', '/orders', repeat('f', 64), NULL, 0, 201, '{}', $1::bigint, $1::bigint + 3600000
       FROM generate_series(1, 10) AS i`,
      [now],
    );
    const stores = [one, two].map(
      (dataSource) => new IdempotencyStore(new TransactionHost(dataSource), { ttlMs: 24 * HOUR, leaseMs: 35_000 }, new ManualClock(new Date(now))),
    );
    const deleted = await Promise.all(stores.map((store) => pruneExpiredIdempotencyKeys(store, 1_000)));
    expect(deleted[0]! + deleted[1]!).toBe(EXPIRED);
    const [left] = await one.query<Array<{ n: string }>>(`SELECT COUNT(*) AS n FROM idempotency_key`);
    expect(Number(left!.n)).toBe(10);
    expect(await stores[0]!.pruneExpired(1_000)).toBe(0);
  });

  // The planner may run an `IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)` subquery again for every row
  // it joins, each run skipping the rows the statement has deleted already: one call then deletes far
  // more than n (all 3,000 here). These settings push it to that plan, which other statistics may pick too.
  const RESCANNING_PLAN = ['enable_hashjoin', 'enable_mergejoin', 'enable_material', 'enable_memoize', 'enable_hashagg', 'enable_sort'];

  it.each([
    ['the plan the planner picks', []],
    ['a plan that runs subqueries again per row', RESCANNING_PLAN],
  ])('pruning deletes at most the limit per call, also from two connections at once, and in the end every expired key (%s)', async (_plan, disabled) => {
    const name = service();
    const now = Date.now();
    const setup = await open(name);
    for (const setting of disabled) await setup.query(`ALTER DATABASE ${databaseNameOf(name)} SET ${setting} = off`);
    // Connections opened after the settings, so that they have them.
    const [one, two] = [await open(name), await open(name)];
    const EXPIRED = 3_000;
    const LIMIT = 25;
    await one.query(
      `INSERT INTO idempotency_key (scope, request_key, method, path, fingerprint, owner, locked_until, response_status, response_body, created_at, expires_at)
       SELECT 'user:u-' || (i % 7), 'k-' || i, 'POST', '/orders', repeat('f', 64), NULL, 0, 201, '{}', $1::bigint - 25 * 3600000, $1::bigint - 2 * 3600000 + i
       FROM generate_series(1, ${EXPIRED}) AS i
       UNION ALL
       SELECT 'user:u-1', 'fresh-' || i, 'POST', '/orders', repeat('f', 64), NULL, 0, 201, '{}', $1::bigint, $1::bigint + 3600000
       FROM generate_series(1, 10) AS i`,
      [now],
    );
    const stores = [one, two].map(
      (dataSource) => new IdempotencyStore(new TransactionHost(dataSource), { ttlMs: 24 * HOUR, leaseMs: 35_000 }, new ManualClock(new Date(now))),
    );
    const left = async (prefix: string) =>
      Number((await one.query<Array<{ n: string }>>(`SELECT COUNT(*) AS n FROM idempotency_key WHERE request_key LIKE $1`, [`${prefix}%`]))[0]!.n);

    // One connection: each call takes exactly the limit, the keys that expired first.
    for (let call = 1; call <= 3; call++) {
      expect(await stores[0]!.pruneExpired(LIMIT)).toBe(LIMIT);
      expect(await left('k-')).toBe(EXPIRED - call * LIMIT);
    }
    const [oldest] = await one.query<Array<{ key: string }>>(`SELECT request_key AS key FROM idempotency_key ORDER BY expires_at LIMIT 1`);
    expect(oldest!.key).toBe(`k-${3 * LIMIT + 1}`);

    // Two connections at once, each pruning until it finds nothing to take.
    const calls: number[][] = [[], []];
    await Promise.all(
      stores.map(async (store, worker) => {
        // A bound on the calls, so that a store that never answers 0 fails the test instead of hanging it.
        for (let call = 0; call < EXPIRED; call++) {
          const deleted = await store.pruneExpired(LIMIT);
          calls[worker]!.push(deleted);
          if (deleted === 0) return;
        }
      }),
    );
    const all = calls.flat();
    expect(all.filter((deleted) => deleted > LIMIT)).toEqual([]);
    expect(all.reduce((sum, deleted) => sum + deleted, 0)).toBe(EXPIRED - 3 * LIMIT);
    expect(await left('k-')).toBe(0);
    expect(await left('fresh-')).toBe(10);
  });
});
