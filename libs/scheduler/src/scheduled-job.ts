/** What a run of a job is given: at most `batchSize` items to handle, before `signal` aborts (the run's deadline or a stop). */
export interface JobRun {
  readonly batchSize: number;
  /**
   * Aborts at the run's deadline or when the scheduler stops for good. Pass it to any outgoing call;
   * `transaction` passes it to its transaction.
   */
  readonly signal: AbortSignal;
  /**
   * Runs `work` in a transaction of the service's database (`TransactionHost.run(work, { signal })`)
   * that commits only while this instance still holds the job's lease: just before COMMIT the lease
   * is checked (on PostgreSQL its row is read `FOR SHARE`, which holds a competing take until the
   * COMMIT ends); lost, the transaction rolls back and this rejects with `JobLeaseLostError`. So a run
   * that ignores its signal, or whose COMMIT lands late, never writes beside the next holder's run.
   * Use it for the run's writes; the use case's own `unitOfWork.run` joins it.
   */
  transaction<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * A named job, run every `intervalMs` by one instance at a time across every instance of the service.
 * `run` handles at most one batch of due items and says how many it handled; a full batch means more
 * are probably due, so the job runs again at once instead of after a whole interval.
 */
export interface ScheduledJob {
  /** Unique within the service: the lease row's key and the metrics' `job` label (e.g. `coupon.expire`). */
  readonly name: string;
  readonly intervalMs: number;
  /** Items per run (default 100). */
  readonly batchSize?: number;
  /** The run's deadline (default 30 s): `signal` aborts then, and the lease outlasts it by the scheduler's margin. */
  readonly timeoutMs?: number;
  run(run: JobRun): Promise<number>;
}

export const DEFAULT_BATCH_SIZE = 100;
export const DEFAULT_JOB_TIMEOUT_MS = 30_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ResolvedJob {
  readonly job: ScheduledJob;
  readonly name: string;
  readonly intervalMs: number;
  readonly batchSize: number;
  readonly timeoutMs: number;
}

/** Checks a job's settings once, at start, so that a typo fails the boot instead of spinning a loop. */
export function resolveJob(job: ScheduledJob): ResolvedJob {
  const { name, intervalMs } = job;
  const batchSize = job.batchSize ?? DEFAULT_BATCH_SIZE;
  const timeoutMs = job.timeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
  if (!/^[a-z0-9][a-z0-9._-]{0,199}$/i.test(name)) throw new Error(`scheduled job name ${JSON.stringify(name)}: letters, digits, '.', '_' or '-', at most 200`);
  // Node fires a timer longer than 2^31 - 1 ms at once: such an interval would spin instead of waiting.
  if (!Number.isInteger(intervalMs) || intervalMs < 1 || intervalMs > MAX_TIMER_MS)
    throw new Error(`scheduled job ${name}: intervalMs must be an integer from 1 to ${MAX_TIMER_MS}, not ${intervalMs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`scheduled job ${name}: batchSize must be a positive integer, not ${batchSize}`);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMER_MS)
    throw new Error(`scheduled job ${name}: timeoutMs must be an integer from 1 to ${MAX_TIMER_MS}, not ${timeoutMs}`);
  return { job, name, intervalMs, batchSize, timeoutMs };
}
