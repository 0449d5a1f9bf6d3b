import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap, type Provider, type Type } from '@nestjs/common';
import { LOGGER, type Logger } from '@shop/observability';
import { TransactionHost } from '@shop/persistence';
import { DEFAULT_STOP_TIMEOUT_MS, JobScheduler, type JobSchedulerOptions } from '../job-scheduler.js';
import type { ScheduledJob } from '../scheduled-job.js';
import { SchedulerMetrics } from '../scheduler-metrics.js';

export interface ScheduledJobsOptions extends Omit<JobSchedulerOptions, 'metrics'> {
  /** The context's jobs: Nest providers (`@Injectable()` classes implementing `ScheduledJob`), injected like any other. */
  readonly jobs: ReadonlyArray<Type<ScheduledJob>>;
  /** Whether this instance runs the jobs (default: `SCHEDULER_ENABLED`, true unless `false` or `0`). */
  readonly enabled?: boolean;
  /** Where the job metrics go: pass the same to `OperationsModule.forService({ registries: [metrics.registry] })`. */
  readonly metrics?: SchedulerMetrics;
  /** How long shutting down waits for the runs in flight before aborting them (default 5 s). */
  readonly stopTimeoutMs?: number;
}

/** The scheduler of one context, by a token of its own so that contexts sharing a process never share one. */
export const JOB_SCHEDULER = Symbol.for('shop.scheduler.JobScheduler');
const SCHEDULER_SETTINGS = Symbol.for('shop.scheduler.Settings');

interface SchedulerSettings {
  readonly enabled: boolean;
  readonly stopTimeoutMs: number;
}

/** `SCHEDULER_ENABLED`: unset, `true` or `1` runs the jobs, `false` or `0` does not; anything else stops the boot. */
export function schedulerEnabledFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env['SCHEDULER_ENABLED']?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new Error(`SCHEDULER_ENABLED must be true, false, 1 or 0, not ${JSON.stringify(env['SCHEDULER_ENABLED'])}`);
}

/** Starts the jobs once the app is up; stops them before the database closes (`MessagingModule` closes it on shutdown). */
@Injectable()
class SchedulerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(JOB_SCHEDULER) private readonly scheduler: JobScheduler,
    @Inject(SCHEDULER_SETTINGS) private readonly settings: SchedulerSettings,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.settings.enabled) {
      this.logger.info({ jobs: this.scheduler.jobNames }, 'scheduler: disabled (SCHEDULER_ENABLED=false); this instance runs no jobs');
      return;
    }
    this.scheduler.start();
    this.logger.info({ jobs: this.scheduler.jobNames }, 'scheduler: started');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.scheduler.stop(this.settings.stopTimeoutMs);
  }
}

/**
 * The one way a context declares scheduled jobs: spread into its module's `providers`, beside the
 * handlers its jobs call, so that the jobs are injected from the context's own scope.
 *
 *     providers: [...commandHandlers, ...scheduledJobs({ jobs: [ExpireCouponsJob] })]
 *
 * The jobs run on the context's database (the `TransactionHost` that `MessagingModule` provides),
 * need `...schedulerMigrations` among its migrations, and log through its `LOGGER`.
 */
export function scheduledJobs(options: ScheduledJobsOptions): Provider[] {
  const { jobs, enabled, metrics, stopTimeoutMs, ...schedulerOptions } = options;
  const settings: SchedulerSettings = { enabled: enabled ?? schedulerEnabledFromEnv(), stopTimeoutMs: stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS };
  return [
    ...jobs,
    { provide: SCHEDULER_SETTINGS, useValue: settings },
    {
      provide: JOB_SCHEDULER,
      inject: [TransactionHost, LOGGER, ...jobs],
      useFactory: (transactions: TransactionHost, logger: Logger, ...instances: ScheduledJob[]) =>
        new JobScheduler(transactions, instances, logger, { ...schedulerOptions, metrics: metrics ?? new SchedulerMetrics() }),
    },
    SchedulerLifecycle,
  ];
}
