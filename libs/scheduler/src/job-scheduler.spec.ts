import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@shop/observability';
import { TransactionHost, openDataSource } from '@shop/persistence';
import { JobScheduler, MAX_OWNER_LENGTH, SchedulerStoppedError, defaultJobOwner, type JobSchedulerOptions } from './job-scheduler.js';
import { schedulerMigrations } from './migrations/index.js';
import type { JobRun, ScheduledJob } from './scheduled-job.js';
import { SchedulerMetrics } from './scheduler-metrics.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const until = async (condition: () => boolean | Promise<boolean>, timeoutMs = 3_000) => {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
};
/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
const work = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    });
  });

interface Span {
  readonly start: number;
  end?: number;
}

/** A job that records each run's span and does what `body` says. */
function recordingJob(settings: Partial<ScheduledJob> & { body?: (run: JobRun, index: number) => Promise<number> }) {
  const spans: Span[] = [];
  let running = 0;
  let maxRunning = 0;
  const job: ScheduledJob = {
    name: settings.name ?? 'test.job',
    intervalMs: settings.intervalMs ?? 50,
    batchSize: settings.batchSize,
    timeoutMs: settings.timeoutMs,
    async run(run) {
      const span: Span = { start: performance.now() };
      spans.push(span);
      maxRunning = Math.max(maxRunning, ++running);
      try {
        return await (settings.body?.(run, spans.length - 1) ?? Promise.resolve(0));
      } finally {
        running--;
        span.end = performance.now();
      }
    },
  };
  return { job, spans, maxRunning: () => maxRunning };
}

describe('JobScheduler on SQLite', () => {
  let transactions: TransactionHost;
  let metrics: SchedulerMetrics;
  const schedulers: JobScheduler[] = [];

  beforeEach(async () => {
    transactions = new TransactionHost(
      await openDataSource({ service: 'scheduler_spec', sqliteDir: ':memory:', entities: [], migrations: schedulerMigrations }),
    );
    metrics = new SchedulerMetrics();
  });
  afterEach(async () => {
    await Promise.all(schedulers.splice(0).map((scheduler) => scheduler.stop(1_000)));
    await transactions.dataSource.destroy();
  });

  const schedule = (jobs: ScheduledJob[], options: JobSchedulerOptions = {}) => {
    const scheduler = new JobScheduler(transactions, jobs, silentLogger(), { metrics, jitter: 0, leaseMarginMs: 200, ...options });
    schedulers.push(scheduler);
    scheduler.start();
    return scheduler;
  };
  const row = async (name = 'test.job') =>
    (await transactions.dataSource.query<Array<Record<string, number | string | null>>>(`SELECT * FROM scheduled_job WHERE name = ?`, [name]))[0];
  const metric = async (name: string, job = 'test.job') => {
    // Counters and gauges: one value per label set (the histogram is read from the text in the metrics test).
    const found = (await metrics.registry.getSingleMetric(name)?.get())?.values.find((value) => value.labels['job'] === job);
    return found?.value ?? 0;
  };

  it('runs a job once per interval, its lease row recording each run', async () => {
    const { job, spans } = recordingJob({ intervalMs: 100 });
    schedule([job]);
    await sleep(560);
    expect(spans.length).toBeGreaterThanOrEqual(3);
    expect(spans.length).toBeLessThanOrEqual(7);
    const gaps = spans.slice(1).map((span, i) => span.start - spans[i].start);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(95);
    const lease = await row();
    expect(lease).toMatchObject({ last_handled: 0, last_failure_at: null });
    expect(Number(lease['last_success_at'])).toBeGreaterThan(0);
  });

  it('never starts a run while one is in flight, in this scheduler or another on the same database', async () => {
    const { job, spans, maxRunning } = recordingJob({ intervalMs: 5, body: ({ signal }) => work(60, signal).then(() => 0) });
    schedule([job]);
    schedule([job]);
    await sleep(600);
    expect(spans.length).toBeGreaterThanOrEqual(3);
    expect(maxRunning()).toBe(1);
    const ended = spans.filter((span) => span.end !== undefined).sort((a, b) => a.start - b.start);
    for (let i = 1; i < ended.length; i++) expect(ended[i].start).toBeGreaterThanOrEqual(ended[i - 1].end!);
  });

  it('after a full batch runs again at once instead of waiting for the interval, then waits', async () => {
    let due = 45;
    const { job, spans } = recordingJob({
      intervalMs: 60_000,
      batchSize: 10,
      body: ({ batchSize }) => {
        const handled = Math.min(batchSize, due);
        due -= handled;
        return Promise.resolve(handled);
      },
    });
    schedule([job]);
    await until(() => due === 0, 2_000);
    await sleep(200);
    expect(spans).toHaveLength(5); // 10, 10, 10, 10, 5: the short batch ends the burst
    expect(await metric('shop_scheduled_job_items_total')).toBe(45);
  });

  it('stop waits for the run in flight, releases the lease and runs nothing more', async () => {
    const { job, spans } = recordingJob({ intervalMs: 5, body: ({ signal }) => work(300, signal).then(() => 1) });
    const scheduler = schedule([job]);
    await until(() => spans.length === 1);
    expect((await row())['owner']).not.toBeNull();
    await scheduler.stop(2_000);
    expect(spans[0].end).toBeDefined();
    expect(spans[0].end! - spans[0].start).toBeGreaterThanOrEqual(295); // finished, not cut short
    expect(await row()).toMatchObject({ owner: null, locked_until: 0, last_handled: 1 });
    await sleep(100);
    expect(spans).toHaveLength(1);
  });

  it('a lease taken as the scheduler stops is given back without a run', async () => {
    const { job, spans } = recordingJob({ intervalMs: 60_000 });
    const blocker = transactions.run(() => sleep(200)); // holds SQLite's one connection: the lease query waits behind it
    const scheduler = schedule([job]);
    await sleep(50);
    await scheduler.stop(2_000);
    await blocker;
    expect(spans).toHaveLength(0);
    expect(await row()).toMatchObject({ owner: null, locked_until: 0, next_run_at: 0, last_success_at: null, last_failure_at: null });
  });

  it('stop aborts a run that outlasts its timeout, and the run records the failure', async () => {
    let reason: unknown;
    const { job, spans } = recordingJob({
      intervalMs: 5,
      body: ({ signal }) =>
        work(60_000, signal).then(
          () => 0,
          (error: unknown) => {
            reason = error;
            throw error;
          },
        ),
    });
    const scheduler = schedule([job]);
    await until(() => spans.length === 1);
    const stopping = performance.now();
    await scheduler.stop(100);
    expect(performance.now() - stopping).toBeLessThan(1_000);
    expect(reason).toBeInstanceOf(SchedulerStoppedError);
    expect(await row()).toMatchObject({ owner: null, last_error: expect.stringContaining('SchedulerStoppedError') as unknown });
  });

  it('aborts a run at its deadline and counts it as a failure', async () => {
    const { job, spans } = recordingJob({ intervalMs: 60_000, timeoutMs: 80, body: ({ signal }) => work(60_000, signal).then(() => 0) });
    schedule([job]);
    await until(async () => (await metric('shop_scheduled_job_failures_total')) === 1);
    expect(spans[0].end! - spans[0].start).toBeLessThan(200);
    await until(async () => (await row())?.['owner'] === null);
    expect((await row())['last_error']).toMatch(/JobDeadlineError: .*deadline of 80 ms/);
  });

  it("work run in the service's transaction under the job's signal is rolled back at the deadline", async () => {
    await transactions.dataSource.query(`CREATE TABLE expired (id INTEGER PRIMARY KEY)`);
    const { job } = recordingJob({
      intervalMs: 60_000,
      timeoutMs: 80,
      // As a context's job wraps its use case: the use case's own unitOfWork.run would join this transaction.
      body: ({ signal }) =>
        transactions.run(
          async () => {
            await transactions.manager.query(`INSERT INTO expired (id) VALUES (1)`);
            await sleep(300); // a slow batch that ignores the signal itself
            await transactions.manager.query(`INSERT INTO expired (id) VALUES (2)`);
            return 2;
          },
          { signal },
        ),
    });
    schedule([job]);
    await until(async () => (await metric('shop_scheduled_job_failures_total')) === 1);
    await sleep(400);
    expect(await transactions.dataSource.query(`SELECT id FROM expired`)).toEqual([]);
    expect(await metric('shop_scheduled_job_items_total')).toBe(0);
  });

  it('counts a failed run, logs it and runs again after the interval; the next success is recorded', async () => {
    const { job, spans } = recordingJob({
      intervalMs: 60,
      body: (_run, index) => (index === 0 ? Promise.reject(new Error('boom')) : Promise.resolve(3)),
    });
    schedule([job]);
    await until(() => spans.length >= 2);
    expect(spans[1].start - spans[0].start).toBeGreaterThanOrEqual(55);
    await until(async () => Number((await row())?.['last_success_at'] ?? 0) > 0);
    const lease = await row();
    expect(lease['last_error']).toBe('Error: boom');
    expect(Number(lease['last_failure_at'])).toBeGreaterThan(0);
    expect(await metric('shop_scheduled_job_failures_total')).toBe(1);
    expect(await metric('shop_scheduled_job_runs_total')).toBeGreaterThanOrEqual(2);
  });

  it('a run answering something else than a count is a failure', async () => {
    const { job } = recordingJob({ intervalMs: 60_000, body: () => Promise.resolve(Number.NaN) });
    schedule([job]);
    await until(async () => (await metric('shop_scheduled_job_failures_total')) === 1);
    await until(async () => /returned NaN/.test(String((await row())?.['last_error'])));
  });

  it('keeps going while its table cannot be reached, counting each attempt, and recovers', async () => {
    await transactions.dataSource.query(`ALTER TABLE scheduled_job RENAME TO scheduled_job_away`);
    const { job, spans } = recordingJob({ intervalMs: 30, body: () => Promise.resolve(1) });
    schedule([job]);
    await until(async () => (await metric('shop_scheduled_job_failures_total')) >= 3);
    expect(spans).toHaveLength(0);
    await transactions.dataSource.query(`ALTER TABLE scheduled_job_away RENAME TO scheduled_job`);
    await until(() => spans.length >= 2);
    expect(await metric('shop_scheduled_job_runs_total')).toBeGreaterThanOrEqual(2);
  });

  it('exposes runs, failures, duration, last success and items per job', async () => {
    const quick = recordingJob({ name: 'quick', intervalMs: 40, body: () => Promise.resolve(2) });
    const failing = recordingJob({ name: 'failing', intervalMs: 40, body: () => Promise.reject(new Error('no')) });
    schedule([quick.job, failing.job]);
    await until(() => quick.spans.length >= 2 && failing.spans.length >= 2);
    await sleep(20);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/shop_scheduled_job_runs_total\{job="quick"\} ([2-9]|\d\d)/);
    expect(text).toMatch(/shop_scheduled_job_items_total\{job="quick"\} ([4-9]|\d\d)/);
    expect(text).toMatch(/shop_scheduled_job_duration_seconds_count\{job="quick"\} ([2-9]|\d\d)/);
    expect(text).toMatch(/shop_scheduled_job_failures_total\{job="failing"\} ([2-9]|\d\d)/);
    expect(text).not.toMatch(/shop_scheduled_job_failures_total\{job="quick"\}/);
    const lastSuccess = await metric('shop_scheduled_job_last_success_timestamp_seconds', 'quick');
    expect(Math.abs(lastSuccess - Date.now() / 1000)).toBeLessThan(5);
    expect(await metric('shop_scheduled_job_last_success_timestamp_seconds', 'failing')).toBe(0);
  });

  it("exposes each job's interval from the start, before any run and also on an instance that never starts its jobs", async () => {
    const hourly = recordingJob({ name: 'hourly', intervalMs: 3_600_000 });
    const quick = recordingJob({ name: 'quick', intervalMs: 1_500 });
    new JobScheduler(transactions, [hourly.job, quick.job], silentLogger(), { metrics });
    expect(await metric('shop_scheduled_job_interval_seconds', 'hourly')).toBe(3600);
    expect(await metric('shop_scheduled_job_interval_seconds', 'quick')).toBe(1.5);
    expect(hourly.spans).toEqual([]);
    // Nothing has succeeded yet: an alert on "no success for 3 intervals" has the interval to compare with, and no success.
    expect((await metrics.registry.getSingleMetric('shop_scheduled_job_last_success_timestamp_seconds')?.get())?.values).toEqual([]);
  });

  it('refuses a job declared twice or with settings that cannot run', () => {
    const job = recordingJob({}).job;
    expect(() => new JobScheduler(transactions, [job, job], silentLogger())).toThrow(/declared twice/);
    expect(() => new JobScheduler(transactions, [{ ...job, intervalMs: 0 }], silentLogger())).toThrow(/intervalMs/);
    expect(() => new JobScheduler(transactions, [{ ...job, batchSize: 1.5 }], silentLogger())).toThrow(/batchSize/);
    expect(() => new JobScheduler(transactions, [{ ...job, intervalMs: 30 * 24 * 3600_000 }], silentLogger())).toThrow(/intervalMs/);
    expect(() => new JobScheduler(transactions, [{ ...job, name: "x'; DROP TABLE y" }], silentLogger())).toThrow(/name/);
  });
  it('JobRun.transaction commits the work while the lease is held', async () => {
    await transactions.dataSource.query(`CREATE TABLE expired (id INTEGER PRIMARY KEY)`);
    const { job } = recordingJob({
      intervalMs: 60_000,
      body: (run) => run.transaction(async () => (await transactions.manager.query(`INSERT INTO expired (id) VALUES (1), (2)`), 2)),
    });
    schedule([job]);
    await until(async () => Number((await row())?.['last_handled'] ?? 0) === 2);
    expect(await transactions.dataSource.query(`SELECT id FROM expired ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('JobRun.transaction refuses to commit once another instance holds the lease (the run ignored its signal or overran)', async () => {
    await transactions.dataSource.query(`CREATE TABLE expired (id INTEGER PRIMARY KEY)`);
    const { job } = recordingJob({
      intervalMs: 60_000,
      body: async (run) => {
        // As if the lease had run out during a pause of this process and another instance had taken it.
        await transactions.dataSource.query(`UPDATE scheduled_job SET owner = 'other', locked_until = ? WHERE name = 'test.job'`, [Date.now() + 60_000]);
        return run.transaction(async () => (await transactions.manager.query(`INSERT INTO expired (id) VALUES (1)`), 1));
      },
    });
    schedule([job]);
    await until(async () => (await metric('shop_scheduled_job_failures_total')) === 1);
    expect(await transactions.dataSource.query(`SELECT id FROM expired`)).toEqual([]);
    // The lease stays the other instance's: this one's release finds it gone and records nothing over it.
    expect(await row()).toMatchObject({ owner: 'other', last_error: null });
  });

  it('bounds the lease owner to the column: a long host name is cut, a long or empty owner option refused', () => {
    const owner = defaultJobOwner('h'.repeat(500));
    expect(owner.length).toBeLessThanOrEqual(MAX_OWNER_LENGTH);
    expect(owner).toMatch(/^h+\/\d+\/[0-9a-f]{8}$/);
    expect(defaultJobOwner('web-1')).toMatch(/^web-1\/\d+\/[0-9a-f]{8}$/);
    const job = recordingJob({}).job;
    expect(() => new JobScheduler(transactions, [job], silentLogger(), { owner: 'x'.repeat(MAX_OWNER_LENGTH + 1) })).toThrow(/owner/);
    expect(() => new JobScheduler(transactions, [job], silentLogger(), { owner: '' })).toThrow(/owner/);
    expect(() => new JobScheduler(transactions, [job], silentLogger(), { owner: 'x'.repeat(MAX_OWNER_LENGTH) })).not.toThrow();
  });
});
