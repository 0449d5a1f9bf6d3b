import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { TransactionHost, databaseNameOf, openDataSource, withDatabase } from '@shop/persistence';
import { ManualClock } from '@shop/shared-kernel';
import type { DataSource } from 'typeorm';
import { TEST_POSTGRES_URL, dropDatabase, uniqueServiceName } from '@shop/testing';
import { INBOX_PRUNE_LOCK, Inbox, messagingMigrations } from '../src/index.js';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const RETENTION = 3600_000;
const OLD = 25_000; // more than two chunks of 10,000
const RECENT = 100;

describe('inbox pruning on PostgreSQL', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** Two instances of one service: their own pools on one database, with OLD rows past the retention and RECENT within it. */
  async function twoInstances() {
    const service = uniqueServiceName();
    cleanups.push(() => dropDatabase(databaseNameOf(service)));
    const instances: Array<{ dataSource: DataSource; inbox: Inbox }> = [];
    for (let i = 0; i < 2; i++) {
      const dataSource = await openDataSource({ service, postgresUrl: TEST_POSTGRES_URL, entities: [], migrations: messagingMigrations, poolSize: 2 });
      cleanups.push(() => dataSource.destroy());
      instances.push({ dataSource, inbox: new Inbox(new TransactionHost(dataSource), new ManualClock(new Date(NOW))) });
    }
    await instances[0]!.dataSource.query(
      `INSERT INTO inbox (message_id, handler, processed_at)
       SELECT 'old-' || i, 'h', $1::bigint - $2::bigint - i FROM generate_series(1, ${OLD}) AS i
       UNION ALL SELECT 'recent-' || i, 'h', $1::bigint - i FROM generate_series(1, ${RECENT}) AS i`,
      [NOW, RETENTION],
    );
    const left = async () => {
      const [row] = (await instances[0]!.dataSource.query(
        `SELECT COUNT(*) FILTER (WHERE message_id LIKE 'old-%') AS old, COUNT(*) FILTER (WHERE message_id LIKE 'recent-%') AS recent FROM inbox`,
      )) as Array<{ old: string; recent: string }>;
      return { old: Number(row!.old), recent: Number(row!.recent) };
    };
    return { service, instances: instances as [(typeof instances)[number], (typeof instances)[number]], left };
  }

  it('two instances pruning at once: every old row deleted once, in chunks, neither waits for the other', async () => {
    const { instances, left } = await twoInstances();
    const started = Date.now();
    const results = await Promise.all(instances.map(({ inbox }) => inbox.prune(RETENTION)));
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(results.reduce<number>((sum, deleted) => sum + (deleted ?? 0), 0)).toBe(OLD);
    expect(await left()).toEqual({ old: 0, recent: RECENT });
    expect(await instances[1].inbox.prune(RETENTION)).toBe(0);
  });

  it('an instance that finds pruning under way elsewhere skips at once, and the next round prunes', async () => {
    const { service, instances, left } = await twoInstances();
    // Another instance mid-prune holds the lock.
    const other = new pg.Client({ connectionString: withDatabase(TEST_POSTGRES_URL, databaseNameOf(service)) });
    await other.connect();
    cleanups.push(() => other.end());
    await other.query(`SELECT pg_advisory_lock(hashtext($1))`, [INBOX_PRUNE_LOCK]);

    const started = Date.now();
    expect(await instances[0].inbox.prune(RETENTION)).toBeNull();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await left()).toEqual({ old: OLD, recent: RECENT });

    await other.query(`SELECT pg_advisory_unlock(hashtext($1))`, [INBOX_PRUNE_LOCK]);
    expect(await instances[0].inbox.prune(RETENTION)).toBe(OLD);
    expect(await left()).toEqual({ old: 0, recent: RECENT });
  });
});
