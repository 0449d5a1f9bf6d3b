import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@shop/observability';
import type { TransactionHost } from '@shop/persistence';
import { JobScheduler, type JobRun, type ScheduledJob } from '@shop/scheduler';
import { ManualClock } from '@shop/shared-kernel';
import { Cleanups, waitFor } from '@shop/testing';
import { ExpireCouponsHandler } from '../src/application/commands/expire-coupons/expire-coupons.handler.js';
import { loadCouponConfig } from '../src/infrastructure/coupon.config.js';
import { SqlCouponExpiry } from '../src/infrastructure/persistence/sql-coupon-expiry.js';
import { ExpireCouponsJob } from '../src/infrastructure/scheduling/expire-coupons.job.js';
import { KINDS, couponAdapters, openCouponDatabase, type CouponDatabase } from './support/coupon-test-database.js';

const NOW = new Date('2026-03-01T10:00:00.000Z');
const HOUR_MS = 3600_000;

/** Coupons of one template straight into the table, `count` of them in `status`, ending `validUntilOffsetMs` from NOW. */
async function seed(database: CouponDatabase, templateId: string, count: number, status: string, validUntilOffsetMs: number): Promise<string[]> {
  const p = database.kind === 'postgres' ? (n: number) => `$${n}` : () => '?';
  const ids = Array.from({ length: count }, () => randomUUID());
  const validUntil = NOW.getTime() + validUntilOffsetMs;
  for (let start = 0; start < ids.length; start += 100) {
    const chunk = ids.slice(start, start + 100);
    const rows = chunk.map((_, i) => {
      const n = i * 5;
      return `(${p(n + 1)}, ${p(n + 2)}, ${p(n + 3)}, 'Spring sale', '{"kind":"amount_off","amountOff":500,"minSpend":0}', 0, ${p(n + 4)}, '${status}', ${p(n + 5)}, 0, 0)`;
    });
    await database.query(
      `INSERT INTO coupon (id, template_id, user_id, template_name, discount, valid_from, valid_until, status, order_id, created_at, updated_at) VALUES ${rows.join(', ')}`,
      chunk.flatMap((id) => [id, templateId, randomUUID(), validUntil, status === 'LOCKED' || status === 'USED' ? randomUUID() : null]),
    );
  }
  return ids;
}

async function seedTemplate(database: CouponDatabase): Promise<string> {
  const id = randomUUID();
  const p = database.kind === 'postgres' ? (n: number) => `$${n}` : () => '?';
  await database.query(
    `INSERT INTO coupon_template (id, name, discount, total_stock, issued, per_user_limit, validity, grant_on_register, status, created_at)
     VALUES (${p(1)}, 'Spring sale', '{"kind":"amount_off","amountOff":500,"minSpend":0}', 10000000, 0, 1, '{"validDays":7}', ${p(2)}, 'ACTIVE', 0)`,
    [id, false],
  );
  return id;
}

/** How many coupons are in each (status, version). */
async function tally(database: CouponDatabase): Promise<Record<string, number>> {
  const rows = await database.query<{ status: string; version: number; n: string | number }>(
    `SELECT status, version, COUNT(*) AS n FROM coupon GROUP BY status, version ORDER BY status, version`,
  );
  return Object.fromEntries(rows.map((row) => [`${row.status} v${row.version}`, Number(row.n)]));
}

interface RecordedRun {
  readonly instance: string;
  readonly handled: number;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** The expiry job of one instance, its runs recorded (which instance, how many each run expired, when). */
function recordedJob(instance: string, transactions: TransactionHost, clock: ManualClock, batchSize: number, runs: RecordedRun[]) {
  const config = loadCouponConfig({ COUPON_EXPIRY_INTERVAL_MS: '50', COUPON_EXPIRY_BATCH_SIZE: String(batchSize) });
  const job = new ExpireCouponsJob(new ExpireCouponsHandler(new SqlCouponExpiry(transactions), clock), config);
  const recorded: ScheduledJob = {
    name: job.name,
    intervalMs: job.intervalMs,
    batchSize: job.batchSize,
    run: async (run: JobRun) => {
      const startedAt = performance.now();
      const handled = await job.run(run);
      runs.push({ instance, handled, startedAt, endedAt: performance.now() });
      return handled;
    },
  };
  return new JobScheduler(transactions, [recorded], silentLogger(), { jitter: 0 });
}

describe('coupon expiry', () => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  describe('ExpireCouponsJob with two instances on PostgreSQL', () => {
    it('expires every AVAILABLE coupon past its end exactly once, in bounded batches, one instance at a time, and never a LOCKED or USED one', async () => {
      const database = await openCouponDatabase('postgres', cleanups, { poolSize: 4 });
      const other = await database.openAnotherInstance({ poolSize: 4 });
      const templateId = await seedTemplate(database);
      const due = await seed(database, templateId, 1_050, 'AVAILABLE', -HOUR_MS);
      await seed(database, templateId, 1, 'AVAILABLE', 0); // ends exactly now: over
      await seed(database, templateId, 40, 'AVAILABLE', HOUR_MS); // still valid
      await seed(database, templateId, 30, 'LOCKED', -HOUR_MS); // its order decides
      await seed(database, templateId, 20, 'USED', -HOUR_MS);

      const clock = new ManualClock(NOW);
      const runs: RecordedRun[] = [];
      const schedulers = [recordedJob('a', database.transactions, clock, 100, runs), recordedJob('b', other, clock, 100, runs)];
      for (const scheduler of schedulers) scheduler.start();
      cleanups.add(() => Promise.all(schedulers.map((scheduler) => scheduler.stop())));

      await waitFor(async () => (await database.count('coupon', `status = 'EXPIRED'`)) === due.length + 1, {
        timeoutMs: 60_000,
        what: 'every due coupon expired',
      });
      // Runs after the last one find nothing more to do.
      await waitFor(() => runs.some((run) => run.handled === 0), { timeoutMs: 30_000, what: 'a run finding nothing due' });
      await Promise.all(schedulers.map((scheduler) => scheduler.stop()));

      expect(await tally(database)).toEqual({ 'AVAILABLE v0': 40, 'EXPIRED v1': 1_051, 'LOCKED v0': 30, 'USED v0': 20 });
      expect(runs.reduce((sum, run) => sum + run.handled, 0)).toBe(1_051);
      expect(Math.max(...runs.map((run) => run.handled))).toBe(100);
      // Full batches run again at once: the backlog took about a run per hundred, not one per interval.
      expect(runs.filter((run) => run.handled > 0).length).toBe(11);
      // One run at a time across both instances (the lease).
      const ordered = [...runs].sort((x, y) => x.startedAt - y.startedAt);
      for (let i = 1; i < ordered.length; i++) expect(ordered[i]!.startedAt).toBeGreaterThanOrEqual(ordered[i - 1]!.endedAt);
    }, 120_000);
  });

  describe('SqlCouponExpiry with two instances expiring at once, no lease (PostgreSQL, SKIP LOCKED)', () => {
    it('expires each coupon once: the instances skip the rows the other is expiring instead of waiting', async () => {
      const database = await openCouponDatabase('postgres', cleanups, { poolSize: 6 });
      const other = await database.openAnotherInstance({ poolSize: 6 });
      const templateId = await seedTemplate(database);
      await seed(database, templateId, 800, 'AVAILABLE', -HOUR_MS);
      const expiries = [new SqlCouponExpiry(database.transactions), new SqlCouponExpiry(other)];

      // Eight workers, four per instance, each expiring batches of 25 until one comes back empty.
      const expired = await Promise.all(
        Array.from({ length: 8 }, async (_, worker) => {
          let total = 0;
          for (;;) {
            const count = await expiries[worker % 2]!.expireDue(NOW, 25);
            expect(count).toBeLessThanOrEqual(25);
            if (count === 0) return total;
            total += count;
          }
        }),
      );
      expect(expired.reduce((sum, count) => sum + count, 0)).toBe(800);
      expect(await tally(database)).toEqual({ 'EXPIRED v1': 800 });
    }, 120_000);

    it('passes over a due coupon a saga step holds locked, and expires it in a later run', async () => {
      const database = await openCouponDatabase('postgres', cleanups, { poolSize: 4 });
      const other = await database.openAnotherInstance({ poolSize: 4 });
      const templateId = await seedTemplate(database);
      const [held, free] = await seed(database, templateId, 2, 'AVAILABLE', -HOUR_MS);
      const coupons = couponAdapters(database.transactions).coupons;
      const expiry = new SqlCouponExpiry(other);

      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const holder = database.transactions.run(async () => {
        await coupons.findByIdForUpdate(held!);
        locked();
        await released;
      });
      await isLocked;
      // Answers while the lock is held: the held coupon is skipped, not waited for.
      expect(await expiry.expireDue(NOW, 10)).toBe(1);
      release();
      await holder;
      expect(await expiry.expireDue(NOW, 10)).toBe(1);
      const statuses = await database.query<{ id: string; status: string }>(`SELECT id, status FROM coupon ORDER BY id`);
      expect(statuses.map((row) => row.status)).toEqual(['EXPIRED', 'EXPIRED']);
      expect(new Set(statuses.map((row) => row.id))).toEqual(new Set([held, free]));
    }, 60_000);
  });

  describe.each(KINDS)('SqlCouponExpiry on %s', (kind) => {
    it('expires at most the limit, oldest end first, AVAILABLE coupons whose end has come, and nothing else', async () => {
      const database = await openCouponDatabase(kind, cleanups);
      const templateId = await seedTemplate(database);
      const oldest = await seed(database, templateId, 3, 'AVAILABLE', -3 * HOUR_MS);
      const older = await seed(database, templateId, 3, 'AVAILABLE', -2 * HOUR_MS);
      await seed(database, templateId, 2, 'AVAILABLE', 1);
      await seed(database, templateId, 2, 'LOCKED', -3 * HOUR_MS);
      await seed(database, templateId, 2, 'USED', -3 * HOUR_MS);
      await seed(database, templateId, 2, 'EXPIRED', -3 * HOUR_MS);
      const expiry = new SqlCouponExpiry(database.transactions);

      expect(await expiry.expireDue(NOW, 4)).toBe(4);
      const p = kind === 'postgres' ? (n: number) => `$${n}` : () => '?';
      const firstBatch = (await database.query<{ id: string }>(`SELECT id FROM coupon WHERE status = 'EXPIRED' AND version = 1`)).map((row) => row.id);
      expect(firstBatch).toEqual(expect.arrayContaining(oldest));
      expect(firstBatch).toHaveLength(4);
      expect(await expiry.expireDue(NOW, 4)).toBe(2);
      expect(await expiry.expireDue(NOW, 4)).toBe(0);
      expect(await database.count('coupon', `status = 'EXPIRED' AND version = 1 AND updated_at = ${p(1)}`, [NOW.getTime()])).toBe(6);
      expect(await tally(database)).toEqual({ 'AVAILABLE v0': 2, 'EXPIRED v0': 2, 'EXPIRED v1': 6, 'LOCKED v0': 2, 'USED v0': 2 });
      expect(older.length).toBe(3);
    });

    it('runs in the caller’s transaction: rolled back with it', async () => {
      const database = await openCouponDatabase(kind, cleanups);
      const templateId = await seedTemplate(database);
      await seed(database, templateId, 3, 'AVAILABLE', -HOUR_MS);
      const expiry = new SqlCouponExpiry(database.transactions);
      await expect(
        database.transactions.run(async () => {
          expect(await expiry.expireDue(NOW, 10)).toBe(3);
          throw new Error('the lease was lost');
        }),
      ).rejects.toThrow('the lease was lost');
      expect(await tally(database)).toEqual({ 'AVAILABLE v0': 3 });
    });
  });

  it('ExpireCouponsJob on SQLite: the scheduler runs it on the one instance until nothing is due', async () => {
    const database = await openCouponDatabase('sqlite', cleanups);
    const templateId = await seedTemplate(database);
    await seed(database, templateId, 250, 'AVAILABLE', -HOUR_MS);
    await seed(database, templateId, 5, 'LOCKED', -HOUR_MS);
    const runs: RecordedRun[] = [];
    const scheduler = recordedJob('only', database.transactions, new ManualClock(NOW), 100, runs);
    scheduler.start();
    cleanups.add(() => scheduler.stop());
    await waitFor(() => runs.some((run) => run.handled === 0), { timeoutMs: 30_000, what: 'a run finding nothing due' });
    await scheduler.stop();
    expect(runs.filter((run) => run.handled > 0).map((run) => run.handled)).toEqual([100, 100, 50]);
    expect(await tally(database)).toEqual({ 'EXPIRED v1': 250, 'LOCKED v0': 5 });
  }, 60_000);
});
