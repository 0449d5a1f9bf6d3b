import pg from 'pg';
import { defaultDatabaseTimeouts, type DatabaseTimeouts } from './database-options.js';
import { withDeadline } from '@shop/shared-kernel';

const DUPLICATE_DATABASE = '42P04';
const UNIQUE_VIOLATION = '23505';
/** pg's message when `query_timeout` fires. */
export const QUERY_READ_TIMEOUT_MESSAGE = 'Query read timeout';

/** The same server URL pointed at another database. */
export const withDatabase = (serverUrl: string, database: string): string => {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
};

/**
 * The pg client (and pool) settings that put every deadline of `timeouts` in force: the server-side
 * ones go in the startup packet, so they hold for every statement of every session.
 */
export function pgDeadlineSettings(timeouts: DatabaseTimeouts) {
  return {
    connectionTimeoutMillis: timeouts.connectTimeoutMs,
    statement_timeout: timeouts.statementTimeoutMs,
    lock_timeout: timeouts.lockTimeoutMs,
    idle_in_transaction_session_timeout: timeouts.idleInTransactionTimeoutMs,
    query_timeout: timeouts.queryTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: timeouts.keepAliveInitialDelayMs,
  };
}

/**
 * A pg client that drops its connection when a query outlives `query_timeout`. pg itself only
 * stops waiting: the query stays on the connection, which the pool would hand out again, so every
 * later query on it would queue behind an answer that may never come (a black-holed network, a
 * failed-over server) and time out in turn. Dropped, it fails what was queued on it at once and the
 * pool opens a fresh one.
 */
export class DeadlineClient extends pg.Client {}

// Looked up at each call, not once at import: tracing's pg instrumentation wraps `pg.Client.prototype.query`
// when TypeORM requires pg, after this module has been imported; a reference kept from import time would
// skip it (no query spans). Called below with the client as `this` (baseQuery().apply(this, …)).
// eslint-disable-next-line @typescript-eslint/unbound-method
const baseQuery = (): typeof pg.Client.prototype.query => pg.Client.prototype.query;
DeadlineClient.prototype.query = function query(this: DeadlineClient, ...args: unknown[]): unknown {
  const dropIfTimedOut = (error: unknown) => {
    if (error instanceof Error && error.message === QUERY_READ_TIMEOUT_MESSAGE) this.connection.stream.destroy();
  };
  const callback = args.at(-1);
  if (typeof callback === 'function') {
    args[args.length - 1] = (error: unknown, result: unknown) => {
      dropIfTimedOut(error);
      (callback as (error: unknown, result: unknown) => void)(error, result);
    };
    return (baseQuery() as (...a: unknown[]) => unknown).apply(this, args);
  }
  const result = (baseQuery() as (...a: unknown[]) => unknown).apply(this, args);
  if (result instanceof Promise) {
    return result.catch((error: unknown) => {
      dropIfTimedOut(error);
      throw error;
    });
  }
  return result;
} as typeof pg.Client.prototype.query;

/** Ends a client politely, or drops its socket when the server does not answer the goodbye in time. */
export async function endClientWithin(client: pg.Client, timeoutMs: number): Promise<void> {
  const ended = client.end().then(
    () => 'ended' as const,
    () => 'ended' as const,
  );
  if ((await withDeadline(ended, timeoutMs, () => 'late' as const)) === 'late') client.connection.stream.destroy();
}

/**
 * Creates the service's database if it is missing. Several instances may start at once: losing the
 * race to create it is success. Bounded by `timeouts` like every other connection.
 */
export async function ensurePostgresDatabase(databaseUrl: string, timeouts: DatabaseTimeouts = defaultDatabaseTimeouts): Promise<void> {
  const database = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new Error(`unsafe database name '${database}'`);
  const admin = new DeadlineClient({ connectionString: withDatabase(databaseUrl, 'postgres'), ...pgDeadlineSettings(timeouts) });
  // A connection lost mid-way surfaces as the failed query or connect; without a listener it would crash the process.
  admin.on('error', () => undefined);
  try {
    await admin.connect();
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount) return;
    await admin.query(`CREATE DATABASE "${database}"`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== DUPLICATE_DATABASE && code !== UNIQUE_VIOLATION) throw error;
  } finally {
    await endClientWithin(admin, timeouts.connectTimeoutMs);
  }
}
