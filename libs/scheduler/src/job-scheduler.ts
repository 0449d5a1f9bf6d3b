import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Logger } from '@shop/observability';
import type { TransactionHost } from '@shop/persistence';
import { withDeadline } from '@shop/shared-kernel';
import { JobLeases, type RunOutcome } from './job-lease.js';
import { resolveJob, type ResolvedJob, type ScheduledJob } from './scheduled-job.js';
import { SchedulerMetrics } from './scheduler-metrics.js';

export interface JobSchedulerOptions {
  readonly metrics?: SchedulerMetrics;
  /**
   * A lease lasts a run's deadline plus this (default 5 s): time for a run aborted at its deadline to
   * settle and release the lease before another instance may take it.
   */
  readonly leaseMarginMs?: number;
  /** Every wait is stretched by up to this fraction at random (default 0.1), so that instances do not wake in lockstep. */
  readonly jitter?: number;
  /** This instance in the lease rows (default host/pid/random); 1 to 200 characters (the column's size). */
  readonly owner?: string;
}

/** `scheduled_job.owner` is VARCHAR(200). */
export const MAX_OWNER_LENGTH = 200;

/** host/pid/random, the host name cut so that the whole fits the column whatever the machine is called. */
export function defaultJobOwner(host: string = hostname()): string {
  const rest = `/${process.pid}/${randomUUID().slice(0, 8)}`;
  return `${host.slice(0, MAX_OWNER_LENGTH - rest.length)}${rest}`;
}

function checkedOwner(owner: string): string {
  if (owner.length < 1 || owner.length > MAX_OWNER_LENGTH)
    throw new Error(`scheduler owner must be 1 to ${MAX_OWNER_LENGTH} characters (scheduled_job.owner), not ${owner.length}`);
  return owner;
}

export const DEFAULT_LEASE_MARGIN_MS = 5_000;
export const DEFAULT_JITTER = 0.1;
export const DEFAULT_STOP_TIMEOUT_MS = 5_000;
/** Once a stop has aborted the runs still going, how long it waits for them to settle and release their lease. */
const ABORTED_RUN_GRACE_MS = 1_000;
/** The shortest wait between two attempts at a lease (a lost race sees the job due "now"). */
const MIN_WAIT_MS = 10;

/** Thrown into a run's signal when its deadline passes. */
export class JobDeadlineError extends Error {
  constructor(job: string, timeoutMs: number) {
    super(`scheduled job ${job}: the run passed its deadline of ${timeoutMs} ms`);
    this.name = 'JobDeadlineError';
  }
}

/** Thrown into a run's signal when the scheduler stops before the run has finished. */
export class SchedulerStoppedError extends Error {
  constructor() {
    super('the scheduler stopped before the run finished');
    this.name = 'SchedulerStoppedError';
  }
}

/**
 * Runs each job on its interval, one instance at a time across every instance that shares the
 * database (a lease row per job, see `JobLeases`), never two runs of a job at once, each run under
 * its deadline. A failing run or an unreachable database is logged and counted; the loop goes on.
 */
export class JobScheduler {
  private readonly loops: JobLoop[];
  private started = false;
  private stopped: Promise<void> | undefined;

  constructor(transactions: TransactionHost, jobs: readonly ScheduledJob[], logger: Logger, options: JobSchedulerOptions = {}) {
    const resolved = jobs.map(resolveJob);
    const duplicate = resolved.find((job, index) => resolved.findIndex((other) => other.name === job.name) !== index);
    if (duplicate) throw new Error(`scheduled job ${duplicate.name} is declared twice`);
    const leases = new JobLeases(transactions, options.owner === undefined ? defaultJobOwner() : checkedOwner(options.owner));
    const metrics = options.metrics ?? new SchedulerMetrics();
    for (const job of resolved) metrics.interval.set({ job: job.name }, job.intervalMs / 1000);
    const settings: LoopSettings = {
      transactions,
      leases,
      logger,
      metrics,
      leaseMarginMs: options.leaseMarginMs ?? DEFAULT_LEASE_MARGIN_MS,
      jitter: options.jitter ?? DEFAULT_JITTER,
    };
    this.loops = resolved.map((job) => new JobLoop(job, settings));
  }

  get jobNames(): readonly string[] {
    return this.loops.map((loop) => loop.job.name);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const loop of this.loops) loop.start();
  }

  /**
   * Schedules nothing more, waits up to `timeoutMs` for the runs in flight (which then release their
   * lease), aborts those still going and gives them a moment to settle. Never rejects.
   */
  stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<void> {
    this.stopped ??= Promise.all(this.loops.map((loop) => loop.stop(timeoutMs))).then(() => undefined);
    return this.stopped;
  }
}

interface LoopSettings {
  readonly transactions: TransactionHost;
  readonly leases: JobLeases;
  readonly logger: Logger;
  readonly metrics: SchedulerMetrics;
  readonly leaseMarginMs: number;
  readonly jitter: number;
}

/** One job's loop: take the lease when due, run a batch, release, sleep. */
class JobLoop {
  private stopping = false;
  private wakeUp: (() => void) | undefined;
  private running: AbortController | undefined;
  private done: Promise<void> = Promise.resolve();

  constructor(
    readonly job: ResolvedJob,
    private readonly settings: LoopSettings,
  ) {}

  start(): void {
    this.done = this.loop();
  }

  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    const settled = await withDeadline(
      this.done.then(() => true),
      timeoutMs,
      () => false,
    );
    if (settled) return;
    this.settings.logger.warn({ job: this.job.name, timeoutMs }, 'scheduler: the job outlasted the stop timeout (a run, or its lease query); aborting the run');
    this.running?.abort(new SchedulerStoppedError());
    const ended = await withDeadline(
      this.done.then(() => true),
      ABORTED_RUN_GRACE_MS,
      () => false,
    );
    if (!ended) this.settings.logger.error({ job: this.job.name }, 'scheduler: an aborted run did not settle; its lease runs out on its own');
  }

  private async loop(): Promise<void> {
    try {
      // Instances started together spread their first attempt over a fraction of the interval.
      await this.sleep(Math.random() * this.settings.jitter * this.job.intervalMs);
      while (!this.stopping) {
        const waitMs = await this.tick();
        if (this.stopping) break;
        await this.sleep(waitMs * (1 + Math.random() * this.settings.jitter));
      }
    } catch (error) {
      // tick() catches what it calls; this is a bug in the scheduler itself, not a failed run.
      this.settings.logger.error({ err: error, job: this.job.name }, 'scheduler: the job loop stopped on an unexpected error');
    }
  }

  /** One attempt; says how long to wait before the next. */
  private async tick(): Promise<number> {
    const { leases, logger, metrics, leaseMarginMs } = this.settings;
    const { name, intervalMs, timeoutMs } = this.job;
    const asked = performance.now();
    let attempt;
    try {
      attempt = await leases.take(name, timeoutMs + leaseMarginMs);
    } catch (error) {
      metrics.failures.inc({ job: name });
      logger.warn({ err: error, job: name }, 'scheduler: could not reach the job lease (database unavailable?); trying again after the interval');
      return intervalMs;
    }
    if (!attempt.taken) return Math.max(MIN_WAIT_MS, Math.min(attempt.waitMs, intervalMs));
    if (this.stopping) {
      // Stopped while the lease was being taken: no run starts, and the lease goes back at once.
      await leases
        .giveBack(name)
        .catch((error: unknown) => logger.warn({ err: error, job: name }, 'scheduler: could not give the job lease back; it runs out on its own'));
      return 0;
    }
    // The lease's clock started on the database somewhere within the round trip: the deadline counts
    // from before it, so that the run is aborted at least the margin before the lease runs out.
    const deadlineMs = timeoutMs - (performance.now() - asked);
    const outcome = await this.runLeased(deadlineMs);
    try {
      if (!(await leases.release(name, outcome)))
        logger.error({ job: name }, 'scheduler: the lease had run out before the run released it (the run overran its deadline and the margin)');
    } catch (error) {
      logger.warn({ err: error, job: name }, 'scheduler: could not release the job lease; it runs out on its own');
    }
    return outcome.nextRunInMs;
  }

  private async runLeased(deadlineMs: number): Promise<RunOutcome> {
    const { logger, metrics, transactions, leases } = this.settings;
    const { job, name, intervalMs, batchSize, timeoutMs } = this.job;
    const controller = new AbortController();
    this.running = controller;
    const timer = setTimeout(() => controller.abort(new JobDeadlineError(name, timeoutMs)), Math.max(0, deadlineMs));
    metrics.runs.inc({ job: name });
    const timing = metrics.duration.startTimer({ job: name });
    try {
      const signal = controller.signal;
      const transaction = <T>(work: () => Promise<T>): Promise<T> =>
        transactions.run(
          () => {
            // Fenced: the commit happens only while the lease is ours (see JobLeases.assertHeld).
            transactions.beforeCommit(() => leases.assertHeld(name));
            return work();
          },
          { signal },
        );
      const handled = await job.run({ batchSize, signal, transaction });
      if (!Number.isInteger(handled) || handled < 0) throw new Error(`scheduled job ${name} returned ${String(handled)}, not a count of items handled`);
      metrics.itemsHandled.inc({ job: name }, handled);
      metrics.lastSuccess.setToCurrentTime({ job: name });
      // A full batch: more are probably due, so again at once rather than after a whole interval.
      return { handled, nextRunInMs: handled >= batchSize ? 0 : intervalMs };
    } catch (error) {
      metrics.failures.inc({ job: name });
      logger.error({ err: error, job: name }, 'scheduler: the job run failed; it runs again after the interval');
      return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error), nextRunInMs: intervalMs };
    } finally {
      clearTimeout(timer);
      timing();
      this.running = undefined;
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakeUp = wake;
    });
  }
}
