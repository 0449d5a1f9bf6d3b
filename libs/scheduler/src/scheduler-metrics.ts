import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The scheduler's figures per job (`job` label), in a registry of their own to hand to the service's `/metrics`. */
export class SchedulerMetrics {
  /** Runs started (the lease taken), whatever their outcome. */
  readonly runs: Counter<'job'>;
  /** Runs that failed or passed their deadline, and attempts that could not reach the lease (database down). */
  readonly failures: Counter<'job'>;
  readonly duration: Histogram<'job'>;
  readonly lastSuccess: Gauge<'job'>;
  readonly itemsHandled: Counter<'job'>;
  /**
   * Each job's interval, set when the scheduler is built (also on an instance with the scheduler off):
   * an alert compares the time since the last success with it, and it names every declared job.
   */
  readonly interval: Gauge<'job'>;

  constructor(readonly registry: Registry = new Registry()) {
    const registers = [registry];
    this.runs = new Counter({
      name: 'shop_scheduled_job_runs_total',
      help: 'Runs of a scheduled job started by this instance',
      labelNames: ['job'],
      registers,
    });
    this.failures = new Counter({
      name: 'shop_scheduled_job_failures_total',
      help: 'Scheduled job runs that failed or timed out, and attempts that could not reach the database',
      labelNames: ['job'],
      registers,
    });
    this.duration = new Histogram({
      name: 'shop_scheduled_job_duration_seconds',
      help: 'How long a scheduled job run took',
      labelNames: ['job'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.lastSuccess = new Gauge({
      name: 'shop_scheduled_job_last_success_timestamp_seconds',
      help: 'When a run of the job last succeeded in this instance (Unix time)',
      labelNames: ['job'],
      registers,
    });
    this.itemsHandled = new Counter({ name: 'shop_scheduled_job_items_total', help: 'Items handled by scheduled job runs', labelNames: ['job'], registers });
    this.interval = new Gauge({
      name: 'shop_scheduled_job_interval_seconds',
      help: 'How often a scheduled job is due (its interval)',
      labelNames: ['job'],
      registers,
    });
  }
}
