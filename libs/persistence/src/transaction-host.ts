import { AsyncLocalStorage } from 'node:async_hooks';
import { SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { ATTR_DB_SYSTEM_NAME, ATTR_ERROR_TYPE, DB_SYSTEM_NAME_VALUE_POSTGRESQL } from '@opentelemetry/semantic-conventions';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { sleep, withDeadline, type UnitOfWork } from '@shop/shared-kernel';
import { databaseKindOf } from './data-source.factory.js';
import { databaseErrorCodeOf } from './database-options.js';
import { SerialQueue } from './serial-queue.js';

interface TransactionScope {
  manager: EntityManager;
  readonly beforeCommit: Array<() => void | Promise<void>>;
  readonly afterCommit: Array<() => void>;
  /**
   * `open` while the work runs; `ended` once it settled (code still running in its async context
   * afterwards is outside any transaction, as before); `abandoned` when its deadline passed: the
   * transaction is rolled back, and anything the abandoned work still tries fails.
   */
  state: 'open' | 'ended' | 'abandoned';
}

export interface TransactionRunOptions {
  /**
   * Abandons the transaction when aborted: `run` rejects with the signal's reason at once, the
   * transaction is rolled back and its connection released (PostgreSQL: destroyed if a query of
   * the abandoned work still holds it after a short grace), and every query the abandoned work
   * issues afterwards through this host or its manager fails instead of running outside it.
   */
  readonly signal?: AbortSignal;
}

/**
 * Thrown by `run` when a statement failed inside the work and the work carried on (it caught the
 * error): PostgreSQL has aborted the transaction and would answer COMMIT with a silent ROLLBACK.
 * Nothing of the work was committed. (A failed statement inside a savepoint rolled back to is fine.)
 */
export class TransactionAbortedError extends Error {
  constructor() {
    super('a statement failed inside the transaction and the work went on; PostgreSQL aborted the transaction, so nothing was committed');
    this.name = 'TransactionAbortedError';
  }
}

/** Thrown at work that keeps using a transaction after its deadline abandoned it. */
export class TransactionAbandonedError extends Error {
  constructor() {
    super('the transaction was abandoned (its deadline passed); it was rolled back and takes no more queries');
    this.name = 'TransactionAbandonedError';
  }
}

export interface TransactionHostOptions {
  /**
   * The attributes of each transaction's span (tracing on) besides `db.system.name`: the service and
   * the correlation id (`shopSpanAttributes` of @shop/observability, which this lib does not import).
   * MessagingModule gives every service's host these; a host without them (a CLI's, a test's) names neither.
   */
  readonly spanAttributes?: () => Attributes;
}

const RETRYABLE_POSTGRES_CODES = new Set(['40001', '40P01']); // serialization failure, deadlock
const MAX_ATTEMPTS = 3;
/** How long an abandoned PostgreSQL transaction's ROLLBACK may wait behind a query still running on it. */
const ABANDONED_ROLLBACK_GRACE_MS = 1_000;

/**
 * The one transaction helper every context uses. `run` opens a transaction (or joins the one already
 * open in this async context); repositories, the outbox and the inbox reach it through `manager`
 * without it being passed around, so use cases stay free of TypeORM.
 *
 * SQLite has a single connection, and overlapping transactions on it fail; there transactions are
 * queued one after another. PostgreSQL uses its pool and row locks. Deadlocks and serialization
 * failures on PostgreSQL are retried a few times, from the top.
 *
 * Inside a trace (tracing on, a span active: a request's, a handled message's), each transaction is an
 * INTERNAL span `db.transaction` around its wait, its attempts and its statements (the pg query spans
 * are its children); outside one (the relay's polling, housekeeping) none is made, so background work
 * never floods the traces. Tracing off, no span object exists at all.
 */
export class TransactionHost implements UnitOfWork {
  private readonly storage = new AsyncLocalStorage<TransactionScope>();
  /** Marks work running inside `read` on SQLite, whose queue it holds (`open` until the read settles). */
  private readonly reads = new AsyncLocalStorage<{ open: boolean }>();
  private readonly sqliteQueue: SerialQueue | undefined;

  constructor(
    readonly dataSource: DataSource,
    private readonly options: TransactionHostOptions = {},
  ) {
    this.sqliteQueue = databaseKindOf(dataSource) === 'sqlite' ? new SerialQueue() : undefined;
  }

  get kind() {
    return databaseKindOf(this.dataSource);
  }

  /** The current transaction's manager, or the data source's own outside a transaction. */
  get manager(): EntityManager {
    const scope = this.currentScope();
    return scope?.manager ?? this.dataSource.manager;
  }

  get inTransaction(): boolean {
    return this.currentScope() !== undefined;
  }

  /** The open transaction of this async context as a key (each attempt of a retried one is a new key). */
  get currentTransaction(): object | undefined {
    return this.currentScope();
  }

  /**
   * Runs `work` in a transaction (joining the one already open in this async context, whose
   * deadline then applies). With `signal`, the transaction is abandoned when it aborts.
   */
  async run<T>(work: () => Promise<T>, options: TransactionRunOptions = {}): Promise<T> {
    if (this.currentScope()) return work();
    // It would queue behind the read that waits for it.
    if (this.reads.getStore()?.open) throw new Error('TransactionHost.run inside read: a read only reads; start the transaction outside it');
    const { signal } = options;
    signal?.throwIfAborted();
    const start = () => this.runOnce(work, signal);
    const transaction = () => untilAborted(this.sqliteQueue ? this.sqliteQueue.run(start) : this.withRetries(start, signal), signal);
    // No span outside a trace; and tracing off, there is never an active span (the API's no-op context).
    return trace.getActiveSpan() ? this.traced(transaction) : transaction();
  }

  private traced<T>(transaction: () => Promise<T>): Promise<T> {
    const attributes: Attributes = {
      [ATTR_DB_SYSTEM_NAME]: this.sqliteQueue ? 'sqlite' : DB_SYSTEM_NAME_VALUE_POSTGRESQL,
      ...this.options.spanAttributes?.(),
    };
    // Looked up each time, not kept: a tracer kept from before tracing was restarted (tests) would feed the old provider.
    return trace.getTracer('@shop/persistence').startActiveSpan('db.transaction', { kind: SpanKind.INTERNAL, attributes }, async (span) => {
      try {
        return await transaction();
      } catch (error) {
        // The policy of every span of ours (@shop/observability's markSpanFailed, not imported here): the
        // code or the error's class name, never its message (a database message may quote a row's values).
        span.setAttribute(ATTR_ERROR_TYPE, databaseErrorCodeOf(error) ?? (error instanceof Error ? error.name : 'unknown'));
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  /**
   * Runs read-only `work` outside any transaction, seeing only what was committed: the read side's
   * queries and the reconciliation go through it. Inside a transaction of this async context it joins
   * that one (and sees its writes). On SQLite the one connection is shared, so a read issued while
   * another transaction is open on it would run inside that transaction and see its uncommitted (maybe
   * later rolled back) writes: there a read waits its turn in the transactions' queue, without a BEGIN.
   * PostgreSQL reads at once on a pooled connection; each statement sees what was committed when it began.
   */
  async read<T>(work: () => Promise<T>): Promise<T> {
    if (!this.sqliteQueue || this.currentScope() || this.reads.getStore()?.open) return work();
    return this.sqliteQueue.run(async () => {
      const read = { open: true };
      try {
        return await this.reads.run(read, work);
      } finally {
        read.open = false;
      }
    });
  }

  /**
   * Runs `check` in the current transaction once its work has finished, just before COMMIT (in the
   * order they were added; a check may add more); a throw rolls the transaction back and `run` fails
   * with it. Repositories use it to refuse a commit that would lose an aggregate's events.
   */
  beforeCommit(check: () => void | Promise<void>): void {
    const scope = this.currentScope();
    if (!scope) throw new Error('beforeCommit needs a transaction: call it inside UnitOfWork.run');
    scope.beforeCommit.push(check);
  }

  /**
   * Runs `callback` once the current transaction commits (never if it rolls back); outside a
   * transaction, right away. For in-process signals such as waking the outbox relay.
   */
  afterCommit(callback: () => void): void {
    const scope = this.currentScope();
    if (scope) scope.afterCommit.push(callback);
    else callback();
  }

  /** The open transaction of this async context; throws in work whose transaction was abandoned. */
  private currentScope(): TransactionScope | undefined {
    const scope = this.storage.getStore();
    if (scope?.state === 'abandoned') throw new TransactionAbandonedError();
    return scope?.state === 'open' ? scope : undefined;
  }

  /** A transaction on its own query runner; the scope's manager refuses queries once abandoned. */
  private async runOnce<T>(work: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    // Aborted while queued (SQLite) or between retries: the caller has its answer already.
    signal?.throwIfAborted();
    const runner = this.dataSource.createQueryRunner();
    const scope: TransactionScope = { manager: runner.manager, beforeCommit: [], afterCommit: [], state: 'open' };
    scope.manager = this.dataSource.createEntityManager(guardedRunner(runner, scope));
    // At the abort itself, not a few microtasks later: the work must not slip a query in between.
    const abandon = () => {
      if (scope.state === 'open') scope.state = 'abandoned';
    };
    signal?.addEventListener('abort', abandon, { once: true });
    let result: T;
    try {
      // Not raced: a runner left connecting would take a pool connection after its release.
      await runner.startTransaction();
      signal?.throwIfAborted();
      result = await untilAborted(
        this.storage.run(scope, () => workThenChecks(work, scope)),
        signal,
      );
      scope.state = 'ended';
      if (await transactionFailedOn(runner)) throw new TransactionAbortedError();
      signal?.throwIfAborted(); // the check above may have waited for a round trip
      // Not raced either: a deadline passing during the commit may still see it land. The caller has
      // its failure by then, so the work may run again; the inbox makes that rerun a duplicate.
      await runner.commitTransaction();
    } catch (error) {
      scope.state = signal?.aborted ? 'abandoned' : 'ended';
      await this.rollback(runner, scope.state === 'abandoned');
      throw error;
    } finally {
      signal?.removeEventListener('abort', abandon);
      await runner.release();
    }
    for (const callback of scope.afterCommit) callback();
    return result;
  }

  /**
   * Rolls back, ignoring a failure (the connection may be gone). An abandoned PostgreSQL
   * transaction may still have a query running on its connection, with the ROLLBACK queued behind
   * it: past a short grace the connection is destroyed, which ends the transaction on the server.
   */
  private async rollback(runner: QueryRunner, abandoned: boolean): Promise<void> {
    if (!runner.isTransactionActive) return;
    const rolledBack = runner.rollbackTransaction().then(
      () => true,
      () => false,
    );
    if (!abandoned || this.sqliteQueue) {
      await rolledBack;
      return;
    }
    if (await withDeadline(rolledBack, ABANDONED_ROLLBACK_GRACE_MS, () => false)) return;
    const client = (runner as QueryRunner & { databaseConnection?: { end?: () => Promise<void> } }).databaseConnection;
    // pg destroys the socket at once when a query is active; the pool then drops the client on release.
    await client?.end?.().catch(() => undefined);
    await rolledBack;
  }

  private async withRetries<T>(start: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await start();
      } catch (error) {
        const code = databaseErrorCodeOf(error);
        if (attempt >= MAX_ATTEMPTS || !code || !RETRYABLE_POSTGRES_CODES.has(code) || signal?.aborted) throw error;
        await sleep(10 * attempt + Math.random() * 20);
      }
    }
  }
}

/** The work, then the checks it left for just before COMMIT, still inside its transaction. */
async function workThenChecks<T>(work: () => Promise<T>, scope: TransactionScope): Promise<T> {
  const result = await work();
  for (let i = 0; i < scope.beforeCommit.length; i++) await scope.beforeCommit[i]!();
  return result;
}

/**
 * Whether PostgreSQL reports the runner's transaction as failed (ReadyForQuery status 'E'): its
 * COMMIT would roll back without an error. SQLite rolls back only the failed statement. pg hands a
 * failed statement its error before the ReadyForQuery that carries the new status; only then
 * (`readyForQuery` false) is the status read after a cheap query has brought it up to date.
 */
async function transactionFailedOn(runner: QueryRunner): Promise<boolean> {
  const client = (runner as QueryRunner & { databaseConnection?: PgTransactionStatus }).databaseConnection;
  if (typeof client?.getTransactionStatus !== 'function') return false;
  if (client.readyForQuery === false) await client.query('SELECT 1').catch(() => undefined);
  return client.getTransactionStatus() === 'E';
}

interface PgTransactionStatus {
  readonly readyForQuery?: boolean;
  getTransactionStatus?(): string | null;
  query(sql: string): Promise<unknown>;
}

/** `promise`, or the signal's reason as soon as it aborts (the promise's own outcome is then ignored). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) {
      promise.catch(() => undefined);
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * The transaction's query runner as its work sees it: the same runner, except that its queries
 * fail once the transaction was abandoned, so work past its deadline can never write outside the
 * transaction (PostgreSQL: autocommit after the ROLLBACK) or inside someone else's (SQLite: the one
 * shared connection). The host's own begin/commit/rollback go to the runner directly.
 */
function guardedRunner(runner: QueryRunner, scope: TransactionScope): QueryRunner {
  return new Proxy(runner, {
    get(target, property, receiver) {
      if (property === 'manager') return scope.manager;
      const value: unknown = Reflect.get(target, property, receiver);
      if ((property === 'query' || property === 'stream') && typeof value === 'function') {
        return (...args: unknown[]) => {
          if (scope.state === 'abandoned') return Promise.reject(new TransactionAbandonedError());
          return (value as (...a: unknown[]) => unknown).apply(receiver, args);
        };
      }
      return value;
    },
  });
}
