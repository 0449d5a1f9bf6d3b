import { POSTGRES_NOW_MS, dialectOf, type TransactionHost } from '@shop/persistence';

/** Thrown before COMMIT by a job's transaction (`JobRun.transaction`) when this instance no longer holds the job's lease. */
export class JobLeaseLostError extends Error {
  constructor(job: string) {
    super(`scheduled job ${job}: the lease ran out or was taken by another instance before the run committed; its transaction is rolled back`);
    this.name = 'JobLeaseLostError';
  }
}

/** Whether the lease was taken, and if not, how long until it may be. */
export type LeaseAttempt =
  { readonly taken: true } | { readonly taken: false; /** Until the job is due or its lease ends, whichever is later. */ readonly waitMs: number };

export interface RunOutcome {
  /** Items handled, or the error the run failed with. */
  readonly handled?: number;
  readonly error?: string;
  /** When the job is due next, counted from the release: 0 to run again at once (a full batch). */
  readonly nextRunInMs: number;
}

/**
 * The `scheduled_job` row of each job, one per job name in the service's database: who holds its lease
 * and until when, when it is due next, and what its last run did (for operators: `SELECT * FROM
 * scheduled_job`). Times are epoch milliseconds of the database's clock on PostgreSQL (instances'
 * clocks may disagree; the database is the one they share) and of the process's on SQLite (one process).
 *
 * A row rather than an advisory lock: the lease needs no connection pinned from the pool for as long
 * as it is held, is lost on its own when a holder vanishes (its `locked_until` passes), keeps the
 * schedule shared (`next_run_at`: a job runs once per interval across all instances, not once per
 * instance), and records the last success and failure where operators can read them.
 */
export class JobLeases {
  constructor(
    private readonly transactions: TransactionHost,
    /** This process: the lease's `owner`, so that only the holder can release it. */
    private readonly owner: string,
  ) {}

  /** Takes the job's lease for `leaseMs` when it is due and no one holds it (creating its row the first time). */
  async take(job: string, leaseMs: number): Promise<LeaseAttempt> {
    const { now, param } = this.sql();
    const taken = await this.query(
      `INSERT INTO scheduled_job (name, owner, locked_until, next_run_at, last_started_at)
       VALUES (${param(1)}, ${param(2)}, ${now} + ${param(3)}, 0, ${now})
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, locked_until = excluded.locked_until, last_started_at = excluded.last_started_at
       WHERE scheduled_job.locked_until <= ${now} AND scheduled_job.next_run_at <= ${now}
       RETURNING name`,
      [job, this.owner, leaseMs],
    );
    if (taken.length > 0) return { taken: true };
    const [row] = await this.query(`SELECT locked_until, next_run_at, ${now} AS now FROM scheduled_job WHERE name = ${param(1)}`, [job]);
    // The row cannot vanish in between unless an operator deleted it: then it is due at once.
    const waitMs = row ? Math.max(Number(row['locked_until']), Number(row['next_run_at'])) - Number(row['now']) : 0;
    return { taken: false, waitMs: Math.max(0, waitMs) };
  }

  /**
   * Ends this owner's lease and records the run. False when the lease was no longer ours (it ran out
   * and another instance took it): the run overran its deadline and its margin.
   */
  async release(job: string, outcome: RunOutcome): Promise<boolean> {
    const { now, param } = this.sql();
    const succeeded = outcome.error === undefined;
    const released = await this.query(
      `UPDATE scheduled_job SET owner = NULL, locked_until = 0, next_run_at = ${now} + ${param(1)},
         ${succeeded ? `last_success_at = ${now}, last_handled = ${param(2)}` : `last_failure_at = ${now}, last_error = ${param(2)}`}
       WHERE name = ${param(3)} AND owner = ${param(4)}
       RETURNING name`,
      [outcome.nextRunInMs, succeeded ? (outcome.handled ?? 0) : (outcome.error ?? '').slice(0, 2000), job, this.owner],
    );
    return released.length > 0;
  }

  /**
   * The fence of a run's transaction, called just before its COMMIT (inside it): throws
   * `JobLeaseLostError` unless this owner's lease is still running on the database's clock. On
   * PostgreSQL the row is read `FOR SHARE`, so that a competing take (an UPDATE of the row) waits
   * until this transaction has committed or rolled back: the run's writes land while the lease is
   * ours, however late the COMMIT. SQLite has one process and one connection: no lock needed.
   */
  async assertHeld(job: string): Promise<void> {
    const { now, param } = this.sql();
    const lock = this.transactions.kind === 'postgres' ? ' FOR SHARE' : '';
    const held: unknown = await this.transactions.manager.query(
      `SELECT 1 AS held FROM scheduled_job WHERE name = ${param(1)} AND owner = ${param(2)} AND locked_until > ${now}${lock}`,
      [job, this.owner],
    );
    if (!Array.isArray(held) || held.length === 0) throw new JobLeaseLostError(job);
  }

  /** Ends this owner's lease without a run (taken as the scheduler was stopping): the schedule is left as it was. */
  async giveBack(job: string): Promise<void> {
    const { param } = this.sql();
    await this.query(`UPDATE scheduled_job SET owner = NULL, locked_until = 0 WHERE name = ${param(1)} AND owner = ${param(2)} RETURNING name`, [
      job,
      this.owner,
    ]);
  }

  // On SQLite every placeholder is `?`: the values go in the order the placeholders appear.
  private sql() {
    const { param } = dialectOf(this.transactions.kind);
    return { now: this.transactions.kind === 'postgres' ? POSTGRES_NOW_MS : String(Date.now()), param };
  }

  /**
   * In a transaction of its own: on SQLite that queues it behind the one connection's open transaction
   * instead of slipping into it (and rolling back with it).
   */
  private async query(sql: string, parameters: unknown[]): Promise<Array<Record<string, unknown>>> {
    const result: unknown = await this.transactions.run(() => this.transactions.manager.query(sql, parameters));
    // PostgreSQL answers an UPDATE with [rows, count]; an INSERT or SELECT, and SQLite always, with the rows.
    const rows = Array.isArray(result) && Array.isArray(result[0]) ? (result[0] as unknown[]) : result;
    return rows as Array<Record<string, unknown>>;
  }
}
