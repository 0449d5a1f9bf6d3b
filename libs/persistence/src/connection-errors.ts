/**
 * Socket-level failures: the database host refused, reset, timed out or cannot be reached, or its
 * name does not resolve (DNS down, or the name briefly gone while a managed database fails over).
 */
const CONNECTION_ERRNO_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** SQLSTATE 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now (starting up). */
const SERVER_GOING_AWAY_SQLSTATES = new Set(['57P01', '57P02', '57P03']);

/** The one SQLite condition that means "try later": another connection holds the write lock. */
const SQLITE_BUSY_CODES = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_BUSY_TIMEOUT']);

/** What node-postgres says when it loses or cannot get a connection; it sets no code for these. */
const CONNECTION_MESSAGES = [
  'connection terminated unexpectedly',
  'connection terminated due to connection timeout',
  'connection terminated',
  'timeout exceeded when trying to connect',
  'client has encountered a connection error and is not queryable',
  'query read timeout',
];

/** SQLSTATE 57014 query_canceled (`statement_timeout` ran out), 55P03 lock_not_available (`lock_timeout` ran out). */
const DEADLINE_SQLSTATES = new Set(['57014', '55P03']);

const MAX_DEPTH = 8;

/**
 * Whether `error` says the database could not be reached (as opposed to a failure of the work
 * itself): refused or reset connections, a pool connect timeout, a lost connection, SQLSTATE class
 * 08 and 57P01–57P03, `SQLITE_BUSY`. Looks through TypeORM's `QueryFailedError.driverError`,
 * `cause` chains and `AggregateError.errors` (Node's connect error when several addresses fail).
 */
export function isConnectionError(error: unknown): boolean {
  return someInChain(error, looksLikeConnectionFailure, 0, new Set());
}

/**
 * The part of `isConnectionError` that only a database driver produces (SQLSTATE class 08 and
 * 57P01–57P03, node-postgres's own connection messages, `SQLITE_BUSY`): the database connection
 * failed, whatever a probe says a moment later (a PostgreSQL restart kills the pool's connections
 * and is back before the probe runs). Socket errno codes are not in it: a handler calling another
 * service can see those too.
 */
export function isDatabaseConnectionError(error: unknown): boolean {
  return someInChain(error, looksLikeDatabaseConnectionFailure, 0, new Set());
}

/** `SQLITE_BUSY` (and its extended codes): the embedded database is locked by another connection. */
export function isDatabaseBusy(error: unknown): boolean {
  return someInChain(error, (candidate) => typeof candidate['code'] === 'string' && SQLITE_BUSY_CODES.has(candidate['code']), 0, new Set());
}

/**
 * Whether `error` is one of the deadlines the service puts on its own statements running out: the
 * server cancelled a statement at `statement_timeout` (57014) or gave up waiting for a lock at
 * `lock_timeout` (55P03). The database answered, so this is not a connection error: the consumer
 * counts it as the work's own failure; the HTTP layer answers it as a temporary one (503).
 */
export function isDatabaseTimeout(error: unknown): boolean {
  return someInChain(error, (candidate) => typeof candidate['code'] === 'string' && DEADLINE_SQLSTATES.has(candidate['code']), 0, new Set());
}

type Test = (error: Record<string, unknown>) => boolean;

function someInChain(error: unknown, test: Test, depth: number, seen: Set<unknown>): boolean {
  if (error === null || typeof error !== 'object' || depth > MAX_DEPTH || seen.has(error)) return false;
  seen.add(error);
  if (test(error as Record<string, unknown>)) return true;
  const { driverError, cause, errors } = error as { driverError?: unknown; cause?: unknown; errors?: unknown };
  if (someInChain(driverError, test, depth + 1, seen) || someInChain(cause, test, depth + 1, seen)) return true;
  return Array.isArray(errors) && errors.some((inner) => someInChain(inner, test, depth + 1, seen));
}

function looksLikeConnectionFailure(error: Record<string, unknown>): boolean {
  const code = typeof error['code'] === 'string' ? error['code'] : undefined;
  return (code !== undefined && CONNECTION_ERRNO_CODES.has(code)) || looksLikeDatabaseConnectionFailure(error);
}

function looksLikeDatabaseConnectionFailure(error: Record<string, unknown>): boolean {
  const code = typeof error['code'] === 'string' ? error['code'] : undefined;
  if (code !== undefined) {
    if (SQLITE_BUSY_CODES.has(code) || SERVER_GOING_AWAY_SQLSTATES.has(code)) return true;
    // SQLSTATE class 08: connection exception (08000, 08003, 08006, 08001, 08004, …).
    if (/^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  const message = typeof error['message'] === 'string' ? error['message'].toLowerCase() : '';
  return message !== '' && CONNECTION_MESSAGES.some((fragment) => message.includes(fragment));
}
