// Expiry and pruning on SQLite: the store's bounded delete, the module's own timer, the scheduler's
// job in its place, and a start without the migration.
import { openDataSource, TransactionHost } from '@shop/persistence';
import { scheduledJobs, schedulerMigrations } from '@shop/scheduler';
import { ManualClock } from '@shop/shared-kernel';
import type { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { probeMigrations, startProbeApp } from '../../test/support/idempotent-app.js';
import { IdempotencyStore } from './idempotency.store.js';
import { idempotencyMigrations } from './migrations/index.js';
import { PruneIdempotencyKeysJob, PruningHandOff } from './prune-idempotency-keys.job.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const HOUR = 3600_000;
const ORDER = { item: 'book', quantity: 1 };

describe('expired idempotency keys', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function database(migrations: Array<new () => unknown> = [...idempotencyMigrations, ...probeMigrations]): Promise<DataSource> {
    const dataSource = await openDataSource({ service: 'probe', sqliteDir: ':memory:', entities: [], migrations: migrations as never });
    cleanups.push(() => dataSource.destroy());
    return dataSource;
  }

  const keysLeft = async (dataSource: DataSource) =>
    (await dataSource.query<Array<{ request_key: string }>>(`SELECT request_key FROM idempotency_key ORDER BY request_key`)).map((row) => row.request_key);

  async function seed(dataSource: DataSource, rows: Array<{ key: string; expiresAt: number; answered: boolean; lockedUntil?: number }>): Promise<void> {
    for (const row of rows) {
      await dataSource.query(
        `INSERT INTO idempotency_key (scope, request_key, method, path, fingerprint, owner, locked_until, response_status, response_body, created_at, expires_at)
         VALUES ('user:u-1', ?, 'POST', '/orders', ?, ?, ?, ?, ?, ?, ?)`,
        [
          row.key,
          'f'.repeat(64),
          row.answered ? null : 'owner',
          row.lockedUntil ?? 0,
          row.answered ? 201 : null,
          row.answered ? '{}' : null,
          row.expiresAt - 24 * HOUR,
          row.expiresAt,
        ],
      );
    }
  }

  it('are deleted at most a batch per call, only once expired, never while a request still holds its key', async () => {
    const dataSource = await database();
    const store = new IdempotencyStore(new TransactionHost(dataSource), { ttlMs: 24 * HOUR, leaseMs: 35_000 }, new ManualClock(new Date(NOW)));
    await seed(dataSource, [
      ...['old-1', 'old-2', 'old-3', 'old-4', 'old-5'].map((key) => ({ key, expiresAt: NOW - HOUR, answered: true })),
      { key: 'just-expired', expiresAt: NOW, answered: true },
      { key: 'fresh', expiresAt: NOW + 1, answered: true },
      { key: 'abandoned', expiresAt: NOW - HOUR, answered: false, lockedUntil: NOW - 1 },
      { key: 'running', expiresAt: NOW - HOUR, answered: false, lockedUntil: NOW + 10_000 },
    ]);
    expect(await store.pruneExpired(3)).toBe(3);
    expect(await store.pruneExpired(3)).toBe(3);
    expect(await store.pruneExpired(3)).toBe(1);
    expect(await store.pruneExpired(3)).toBe(0);
    expect(await keysLeft(dataSource)).toEqual(['fresh', 'running']);
  });

  it('are pruned by the module’s own timer when the context runs no scheduler job for them', async () => {
    const clock = new ManualClock(new Date(NOW));
    const dataSource = await database();
    const app = await startProbeApp(dataSource, { clock, ttlMs: 2 * HOUR, pruning: { intervalMs: 1_000, batchSize: 2 } });
    cleanups.push(() => app.close());
    for (const key of ['a', 'b', 'c', 'd', 'e']) expect((await app.post('/orders', ORDER, { key })).status).toBe(201);
    clock.advance(HOUR);
    expect((await app.post('/orders', ORDER, { key: 'later' })).status).toBe(201);
    clock.advance(HOUR); // the first five have expired, 'later' has not
    await waitUntil(async () => (await keysLeft(dataSource)).length === 1, 10_000);
    expect(await keysLeft(dataSource)).toEqual(['later']);
    expect(app.app.get(PruningHandOff).toScheduler).toBe(false);
  });

  it('are pruned by the scheduler instead when the context lists PruneIdempotencyKeysJob', async () => {
    const clock = new ManualClock(new Date(NOW));
    const dataSource = await database([...schedulerMigrations, ...idempotencyMigrations, ...probeMigrations]);
    const app = await startProbeApp(dataSource, { clock, ttlMs: 2 * HOUR, pruning: { intervalMs: 1_000, batchSize: 2 } }, [
      ...scheduledJobs({ jobs: [PruneIdempotencyKeysJob], enabled: true, jitter: 0 }),
    ]);
    cleanups.push(() => app.close());
    for (const key of ['a', 'b', 'c']) expect((await app.post('/orders', ORDER, { key })).status).toBe(201);
    clock.advance(2 * HOUR);
    await waitUntil(async () => (await keysLeft(dataSource)).length === 0, 10_000);
    const [job] = await dataSource.query<Array<{ name: string; last_success_at: number | null }>>(`SELECT name, last_success_at FROM scheduled_job`);
    expect(job).toMatchObject({ name: 'idempotency.prune' });
    expect(job?.last_success_at).not.toBeNull();
    expect(app.app.get(PruningHandOff).toScheduler).toBe(true); // so the module's own timer stayed off
  });

  it('a service without the migration does not start', async () => {
    const dataSource = await database([...probeMigrations]);
    await expect(startProbeApp(dataSource)).rejects.toThrow(/idempotency_key table is missing; list idempotencyMigrations/);
  });
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
