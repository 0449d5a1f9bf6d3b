import type { EntitySchema, MixedList } from 'typeorm';

export type DatabaseKind = 'postgres' | 'sqlite';

/**
 * Deadlines of every PostgreSQL connection, so that no caller waits for ever on a database that is
 * down, locked up or cut off by the network. SQLite ignores them (its busy timeout is fixed).
 */
export interface DatabaseTimeouts {
  /** Opening a connection, and waiting for a free one when the pool is exhausted (pg `connectionTimeoutMillis`). */
  readonly connectTimeoutMs: number;
  /** The server cancels a statement running longer (`statement_timeout`). */
  readonly statementTimeoutMs: number;
  /** The server cancels a statement waiting longer for a lock (`lock_timeout`): a stuck lock holder fails its waiters early. */
  readonly lockTimeoutMs: number;
  /** The server ends a session idle inside a transaction this long (`idle_in_transaction_session_timeout`); above the handler deadline. */
  readonly idleInTransactionTimeoutMs: number;
  /**
   * The client gives up on a query after this long (pg `query_timeout`) and drops its connection.
   * The server-side timeouts cannot fire when the network swallows the traffic; this one can.
   * Above `statementTimeoutMs`, so that the server's own cancellation normally comes first.
   */
  readonly queryTimeoutMs: number;
  /** TCP keepalive probes start after the connection has been idle this long (finds dead peers of idle connections). */
  readonly keepAliveInitialDelayMs: number;
  /** Migrations: each statement's deadline, and how long an instance waits for another one's migrations. */
  readonly migrationTimeoutMs: number;
}

export const DEFAULT_POOL_SIZE = 16;

export const defaultDatabaseTimeouts: DatabaseTimeouts = {
  connectTimeoutMs: 5_000,
  statementTimeoutMs: 30_000,
  lockTimeoutMs: 10_000,
  idleInTransactionTimeoutMs: 60_000,
  queryTimeoutMs: 35_000,
  keepAliveInitialDelayMs: 10_000,
  migrationTimeoutMs: 600_000,
};

/** How much later than the server's statement deadline the client's own one fires by default. */
const CLIENT_DEADLINE_MARGIN_MS = 5_000;

/** The defaults, with the client query deadline following a changed statement timeout unless set itself. */
export function resolveDatabaseTimeouts(timeouts: Partial<DatabaseTimeouts> = {}): DatabaseTimeouts {
  const statementTimeoutMs = timeouts.statementTimeoutMs ?? defaultDatabaseTimeouts.statementTimeoutMs;
  return {
    ...defaultDatabaseTimeouts,
    ...definedOnly(timeouts),
    queryTimeoutMs: timeouts.queryTimeoutMs ?? statementTimeoutMs + CLIENT_DEADLINE_MARGIN_MS,
  };
}

const definedOnly = <T extends object>(value: T): Partial<T> => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

export interface DatabaseOptions {
  /** The owning service: its PostgreSQL database is `shop_<service>`, its SQLite file `<service>.sqlite`. */
  readonly service: string;
  /** A PostgreSQL server (`postgres://user@host:5432`); the database name is derived from the service. */
  readonly postgresUrl?: string;
  /** A full PostgreSQL URL including the database; wins over `postgresUrl`. */
  readonly databaseUrl?: string;
  /** Folder for the embedded SQLite file; used when no PostgreSQL URL is given. `:memory:` for tests. */
  readonly sqliteDir?: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly migrations: MixedList<Function | string>;
  /** PostgreSQL pool size (default `DEFAULT_POOL_SIZE`). */
  readonly poolSize?: number;
  /** PostgreSQL deadlines; each one missing takes its default (`defaultDatabaseTimeouts`). */
  readonly timeouts?: Partial<DatabaseTimeouts>;
  readonly logging?: boolean;
}

export const databaseNameOf = (service: string): string => {
  if (!/^[a-z][a-z0-9_]*$/.test(service)) throw new Error(`service name '${service}' must be lower-case letters, digits and '_'`);
  return `shop_${service}`;
};

/** The SQLSTATE (or driver code) of a database error, also when TypeORM wraps it in a `QueryFailedError`. */
export const databaseErrorCodeOf = (error: unknown): string | undefined =>
  (error as { driverError?: { code?: string } } | null)?.driverError?.code ?? (error as { code?: string } | null)?.code;
