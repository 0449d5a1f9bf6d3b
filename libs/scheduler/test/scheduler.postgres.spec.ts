import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@shop/observability';
import { TransactionHost, databaseNameOf, openDataSource, type DatabaseTimeouts } from '@shop/persistence';
import { TEST_POSTGRES_URL, TcpProxy, dropDatabase, sleep, uniqueServiceName, waitFor } from '@shop/testing';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { JobScheduler, JobLeases, SchedulerMetrics, schedulerMigrations, type JobRun, type ScheduledJob } from '../src/index.js';

/** Items to handle, each counting how often it was handled and by which instance. */
class CreateDueItems1734299999999 implements MigrationInterface {
  name = 'CreateDueItems1734299999999';
  async up(runner: QueryRunner) {
    await runner.query(
      `CREATE TABLE due_item (id INTEGER PRIMARY KEY, due_at BIGINT NOT NULL, handled_count INTEGER NOT NULL DEFAULT 0, handled_by VARCHAR(20))`,
    );
  }
  async down(runner: QueryRunner) {
    await runner.query(`DROP TABLE due_item`);
  }
}

interface Span {
  readonly instance: string;
  readonly start: number;
  end?: number;
}

const abortable = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    });
  });

describe('scheduled jobs on PostgreSQL, two instances of one service', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const spans: Span[] = [];
  const pgPort = Number(new URL(TEST_POSTGRES_URL).port || 5432);

  async function database() {
    spans.length = 0;
    const service = uniqueServiceName('sched');
    cleanups.push(() => dropDatabase(databaseNameOf(service)));
    const migrations = [...schedulerMigrations, CreateDueItems1734299999999];
    const admin = await openDataSource({ service, postgresUrl: TEST_POSTGRES_URL, entities: [], migrations, poolSize: 2 });
    cleanups.push(() => admin.destroy());
    const addItems = (count: number, dueOverMs = 0) =>
      admin.query(`INSERT INTO due_item (id, due_at) SELECT i, $2::bigint + (i * $3::bigint) / $1::bigint FROM generate_series(1, $1::int) AS i`, [
        count,
        Date.now(),
        dueOverMs,
      ]);
    const counts = async () => {
      const [row] = await admin.query<Array<Record<string, string>>>(
        `SELECT COUNT(*) FILTER (WHERE handled_count = 0) AS pending, COUNT(*) FILTER (WHERE handled_count = 1) AS once,
                COUNT(*) FILTER (WHERE handled_count > 1) AS more, COUNT(DISTINCT handled_by) AS instances FROM due_item`,
      );
      return { pending: Number(row['pending']), once: Number(row['once']), more: Number(row['more']), instances: Number(row['instances']) };
    };

    /**
     * An instance as a process would have it: its own pool. Its job picks due items with no row locking
     * at all (a plain SELECT, then an UPDATE after a pause), so only the scheduler keeps two runs apart.
     */
    async function instance(
      label: string,
      settings: { url?: string; workMs: number; batchSize: number; intervalMs: number; timeoutMs?: number; timeouts?: Partial<DatabaseTimeouts> },
    ) {
      const dataSource = await openDataSource({
        service,
        postgresUrl: settings.url ?? TEST_POSTGRES_URL,
        entities: [],
        migrations,
        poolSize: 3,
        timeouts: settings.timeouts,
      });
      cleanups.push(() => (dataSource.isInitialized ? dataSource.destroy() : Promise.resolve()));
      const transactions = new TransactionHost(dataSource);
      const metrics = new SchedulerMetrics();
      const job: ScheduledJob = {
        name: 'items.handle',
        intervalMs: settings.intervalMs,
        batchSize: settings.batchSize,
        timeoutMs: settings.timeoutMs ?? 5_000,
        async run({ batchSize, signal }) {
          const span: Span = { instance: label, start: performance.now() };
          spans.push(span);
          try {
            return await transactions.run(
              async () => {
                const due = await transactions.manager.query<Array<{ id: number }>>(
                  `SELECT id FROM due_item WHERE handled_count = 0 AND due_at <= $1 ORDER BY id LIMIT $2`,
                  [Date.now(), batchSize],
                );
                await abortable(settings.workMs, signal);
                const ids = due.map((item) => item.id);
                await transactions.manager.query(`UPDATE due_item SET handled_count = handled_count + 1, handled_by = $2 WHERE id = ANY($1)`, [ids, label]);
                return ids.length;
              },
              { signal },
            );
          } finally {
            span.end = performance.now();
          }
        },
      };
      const scheduler = new JobScheduler(transactions, [job], silentLogger(), { metrics, jitter: 0.5, leaseMarginMs: 500, owner: label });
      cleanups.push(() => scheduler.stop(2_000));
      const figure = async (name: string) =>
        (await metrics.registry.getSingleMetric(name)?.get())?.values.find((v) => v.labels['job'] === job.name)?.value ?? 0;
      return { scheduler, figure, label };
    }
    return { addItems, counts, instance, admin, service, migrations };
  }

  const expectNoOverlap = () => {
    const sorted = [...spans].sort((a, b) => a.start - b.start);
    for (const span of sorted) expect(span.end, `a run of ${span.instance} never ended`).toBeDefined();
    for (let i = 1; i < sorted.length; i++) {
      expect(sorted[i].start, `run ${i} (${sorted[i].instance}) began before run ${i - 1} (${sorted[i - 1].instance}) ended`).toBeGreaterThanOrEqual(
        sorted[i - 1].end!,
      );
    }
  };

  it('each due item is handled exactly once, the two instances take turns, and their runs never overlap', async () => {
    const db = await database();
    const ITEMS = 400;
    await db.addItems(ITEMS, 3_000); // coming due over three seconds: many short batches, each instance wins some
    const a = await db.instance('a', { workMs: 15, batchSize: 40, intervalMs: 60 });
    const b = await db.instance('b', { workMs: 15, batchSize: 40, intervalMs: 60 });
    a.scheduler.start();
    b.scheduler.start();
    await waitFor(async () => (await db.counts()).pending === 0, { timeoutMs: 30_000 });
    await Promise.all([a.scheduler.stop(), b.scheduler.stop()]);

    expect(await db.counts()).toEqual({ pending: 0, once: ITEMS, more: 0, instances: 2 });
    expect((await a.figure('shop_scheduled_job_items_total')) + (await b.figure('shop_scheduled_job_items_total'))).toBe(ITEMS);
    expect(spans.length).toBeGreaterThanOrEqual(10);
    expectNoOverlap();
    const [lease] = await db.admin.query<Array<Record<string, unknown>>>(`SELECT owner, locked_until FROM scheduled_job WHERE name = 'items.handle'`);
    expect(lease).toEqual({ owner: null, locked_until: '0' });
  });

  it('when the instance running the job is stopped, the other takes over', async () => {
    const db = await database();
    await db.addItems(2_000);
    const a = await db.instance('a', { workMs: 150, batchSize: 20, intervalMs: 100 });
    a.scheduler.start();
    await waitFor(() => spans.length > 0);
    const b = await db.instance('b', { workMs: 150, batchSize: 20, intervalMs: 100 });
    b.scheduler.start();
    // Every batch is full, so the job is due again at once after each run: mostly a, already polling,
    // takes it again, but b may win a race for it on a loaded machine; never both at once.
    await sleep(800);

    await a.scheduler.stop();
    const stoppedAt = performance.now();
    expect(spans.filter((span) => span.instance === 'a').every((span) => span.end !== undefined)).toBe(true); // stop waited for the run in flight
    const afterStop = (span: Span): boolean => span.instance === 'b' && span.start >= stoppedAt;
    await waitFor(() => spans.some(afterStop), { timeoutMs: 5_000 });
    const takeover = spans.find(afterStop)!.start - stoppedAt;
    expect(takeover).toBeLessThan(1_000); // b's next poll, not a lease running out
    await sleep(500);
    await b.scheduler.stop();

    const counts = await db.counts();
    expect(counts.more).toBe(0);
    expect(counts.once).toBe(spans.filter((span) => span.end !== undefined).length * 20);
    expectNoOverlap();
  });

  it("when the holder's database connection dies mid-run, its run fails and the other takes over once the lease runs out; the holder recovers", async () => {
    const db = await database();
    await db.addItems(600);
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: pgPort });
    cleanups.push(() => proxy.close());
    const a = await db.instance('a', { url: proxy.url(TEST_POSTGRES_URL), workMs: 300, batchSize: 20, intervalMs: 100, timeoutMs: 1_000 });
    a.scheduler.start();
    await waitFor(() => spans.length > 0);
    const b = await db.instance('b', { workMs: 20, batchSize: 20, intervalMs: 100, timeoutMs: 1_000 });
    b.scheduler.start();

    await waitFor(() => spans.at(-1)!.instance === 'a' && spans.at(-1)!.end === undefined);
    const killedAt = performance.now();
    proxy.setMode('refuse'); // a's connections reset; its run cannot commit, nor can it release the lease
    await waitFor(() => spans.some((span) => span.instance === 'b'), { timeoutMs: 10_000 });
    const takeover = spans.find((span) => span.instance === 'b')!.start - killedAt;
    expect(takeover).toBeGreaterThan(500); // not before a's lease ran out (deadline 1 s + margin 0.5 s from its start)
    expect(takeover).toBeLessThan(3_000);
    expect(await a.figure('shop_scheduled_job_failures_total')).toBeGreaterThanOrEqual(1);

    await waitFor(async () => (await db.counts()).pending === 0, { timeoutMs: 30_000 });
    // a's lease attempts keep failing while its database is away; it goes on and runs again once it is back.
    const aRuns = await a.figure('shop_scheduled_job_runs_total');
    await waitFor(async () => (await a.figure('shop_scheduled_job_failures_total')) >= 3, { timeoutMs: 5_000 });
    proxy.setMode('pass');
    await waitFor(async () => (await a.figure('shop_scheduled_job_runs_total')) > aRuns, { timeoutMs: 15_000 });
    await Promise.all([a.scheduler.stop(), b.scheduler.stop()]);

    expect(await db.counts()).toMatchObject({ pending: 0, once: 600, more: 0 });
    expectNoOverlap();
  });

  it("when the holder's network swallows its traffic mid-run, its run is abandoned at the deadline and the other takes over once the lease runs out", async () => {
    const db = await database();
    await db.addItems(600);
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: pgPort });
    cleanups.push(() => proxy.close());
    const a = await db.instance('a', {
      url: proxy.url(TEST_POSTGRES_URL),
      workMs: 300,
      batchSize: 20,
      intervalMs: 100,
      timeoutMs: 1_000,
      timeouts: { statementTimeoutMs: 1_500, queryTimeoutMs: 2_000, connectTimeoutMs: 1_000 },
    });
    a.scheduler.start();
    await waitFor(() => spans.length > 0);
    const b = await db.instance('b', { workMs: 20, batchSize: 20, intervalMs: 100, timeoutMs: 1_000 });
    b.scheduler.start();

    await waitFor(() => spans.at(-1)!.instance === 'a' && spans.at(-1)!.end === undefined);
    const cutAt = performance.now();
    proxy.setMode('blackhole'); // no error, no answer: only a's deadline ends its run
    await waitFor(() => spans.some((span) => span.instance === 'b'), { timeoutMs: 10_000 });
    const takeover = spans.find((span) => span.instance === 'b')!.start - cutAt;
    expect(takeover).toBeGreaterThan(500);
    expect(takeover).toBeLessThan(4_000);
    const cutRun = spans.filter((span) => span.instance === 'a').at(-1)!;
    expect(cutRun.end! - cutRun.start).toBeLessThan(1_300); // abandoned at its 1 s deadline, not at the 2 s query timeout

    await waitFor(async () => (await db.counts()).pending === 0, { timeoutMs: 30_000 });
    proxy.setMode('pass');
    await Promise.all([a.scheduler.stop(), b.scheduler.stop()]);
    expect(await a.figure('shop_scheduled_job_failures_total')).toBeGreaterThanOrEqual(1);
    expect(await db.counts()).toMatchObject({ pending: 0, once: 600, more: 0 });
    expectNoOverlap();
  });
  /** One instance whose job is `body`, on its own pool; `owner` is its lease owner. */
  async function fencedInstance(
    db: Awaited<ReturnType<typeof database>>,
    owner: string,
    body: (run: JobRun, transactions: TransactionHost) => Promise<number>,
  ) {
    const dataSource = await openDataSource({ service: db.service, postgresUrl: TEST_POSTGRES_URL, entities: [], migrations: db.migrations, poolSize: 3 });
    cleanups.push(() => (dataSource.isInitialized ? dataSource.destroy() : Promise.resolve()));
    const transactions = new TransactionHost(dataSource);
    const metrics = new SchedulerMetrics();
    const job: ScheduledJob = { name: 'items.handle', intervalMs: 60_000, timeoutMs: 5_000, run: (run) => body(run, transactions) };
    const scheduler = new JobScheduler(transactions, [job], silentLogger(), { metrics, jitter: 0, leaseMarginMs: 200, owner });
    cleanups.push(() => scheduler.stop(2_000));
    const failures = async () => (await metrics.registry.getSingleMetric('shop_scheduled_job_failures_total')?.get())?.values[0]?.value ?? 0;
    return { scheduler, transactions, failures };
  }

  it('a job ignoring its signal commits nothing once its lease has run out and another instance holds it', async () => {
    const db = await database();
    let reached: () => void;
    const stolen = new Promise<void>((resolve) => (reached = resolve));
    let lastFor: () => void;
    const last = new Promise<void>((resolve) => (lastFor = resolve));
    const a = await fencedInstance(db, 'a', (run, transactions) =>
      run.transaction(async () => {
        await transactions.manager.query(`INSERT INTO due_item (id, due_at) VALUES (1, 0)`);
        reached();
        // Ignores the signal: a pause of the process (GC, a frozen VM) past the lease, then the rest of the batch.
        await last;
        return 1;
      }),
    );
    a.scheduler.start();
    await stolen;
    // The lease ran out and instance b took it, as the scheduler would.
    await db.admin.query(`UPDATE scheduled_job SET locked_until = 0 WHERE name = 'items.handle'`);
    const b = new JobLeases(new TransactionHost(db.admin), 'b');
    expect(await b.take('items.handle', 60_000)).toEqual({ taken: true });
    lastFor!();
    await waitFor(async () => (await a.failures()) === 1, { timeoutMs: 5_000 });
    expect(await db.admin.query(`SELECT id FROM due_item`)).toEqual([]);
    expect((await db.admin.query<Array<{ owner: string }>>(`SELECT owner FROM scheduled_job`))[0]?.owner).toBe('b');
  });

  it('a run past the fence holds a competing take until its COMMIT ends, so a late COMMIT still lands inside the lease', async () => {
    const db = await database();
    let competing: Promise<unknown> | undefined;
    let settledEarly = false;
    const a = await fencedInstance(db, 'x'.repeat(200) /* the longest owner the column takes */, (run, transactions) =>
      run.transaction(async () => {
        await transactions.manager.query(`INSERT INTO due_item (id, due_at) VALUES (1, 0)`);
        // Runs after the fence (checks run in the order they were added): a slow COMMIT.
        transactions.beforeCommit(async () => {
          competing = db.admin.query(`UPDATE scheduled_job SET owner = 'b' WHERE name = 'items.handle'`);
          void competing.then(() => (settledEarly = true));
          await sleep(300);
        });
        return 1;
      }),
    );
    a.scheduler.start();
    await waitFor(() => competing !== undefined, { timeoutMs: 5_000 });
    await sleep(150);
    expect(settledEarly).toBe(false); // blocked by the fence's FOR SHARE
    await competing;
    expect(await db.admin.query(`SELECT id FROM due_item`)).toEqual([{ id: 1 }]);
    expect(await a.failures()).toBe(0);
  });
});
