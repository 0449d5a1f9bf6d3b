import { EventSchemaRegistry, publishedLanguage } from '@shop/contracts';
import { OutboxSignal, OutboxWriter, defaultRelayOptions } from '@shop/messaging';
import { TransactionHost, databaseNameOf, openDataSource, type DatabaseKind, type DatabaseTimeouts } from '@shop/persistence';
import { platformMigrations } from '@shop/runtime';
import { TEST_POSTGRES_URL, dropDatabase, uniqueServiceName, type Cleanups } from '@shop/testing';
import type { EventOutbox } from '@shop/shared-kernel';
import { pointsMigrations } from '../../src/infrastructure/migrations/index.js';
import { SqlPointsQueries } from '../../src/infrastructure/persistence/sql-points-queries.js';
import { SqlPointsReconciliation } from '../../src/infrastructure/persistence/sql-points-reconciliation.js';
import { TypeOrmOrderPointsRepository } from '../../src/infrastructure/persistence/typeorm-order-points.repository.js';
import { TypeOrmPointsAccountRepository } from '../../src/infrastructure/persistence/typeorm-points-account.repository.js';

export const KINDS: readonly DatabaseKind[] = ['postgres', 'sqlite'];

/** The migrations the points service runs, in its order: the platform's (it has a scheduled job), then its own. */
export const POINTS_SERVICE_MIGRATIONS = [...platformMigrations({ scheduler: true, idempotency: false }), ...pointsMigrations];

export interface PointsDatabase {
  readonly kind: DatabaseKind;
  /** The service name the database is named after (`shop_<service>` on PostgreSQL). */
  readonly service: string;
  readonly transactions: TransactionHost;
  /**
   * Another instance of the service on the same database: a data source (and pool) of its own
   * (PostgreSQL only: SQLite is one process's file).
   */
  openAnotherInstance(options?: InstanceOptions): Promise<TransactionHost>;
  /** Rows of a query, over the first instance's data source, outside any transaction. */
  query<R = Record<string, unknown>>(sql: string, parameters?: unknown[]): Promise<R[]>;
  /** `SELECT COUNT(*)` of a table, optionally with a WHERE clause (placeholders of the database's dialect). */
  count(table: string, where?: string, parameters?: unknown[]): Promise<number>;
}

/** One instance's data source: its pool size and deadlines (PostgreSQL). */
export interface InstanceOptions {
  readonly poolSize?: number;
  readonly timeouts?: Partial<DatabaseTimeouts>;
}

/**
 * A fresh database of the points service with the service's migrations applied: on PostgreSQL a
 * database `shop_points_<random>` of its own (dropped with the cleanups), on SQLite a file in `sqliteDir`
 * when given (so that another process, the CLI, can open it), in memory otherwise.
 */
export async function openPointsDatabase(
  kind: DatabaseKind,
  cleanups: Cleanups,
  options: InstanceOptions & { sqliteDir?: string } = {},
): Promise<PointsDatabase> {
  // A SQLite file the CLI opens is the service's own: `points.sqlite`.
  const service = kind === 'sqlite' && options.sqliteDir ? 'points' : uniqueServiceName('points');
  const open = async (instance: InstanceOptions = options) => {
    const dataSource = await openDataSource({
      service,
      ...(kind === 'postgres'
        ? { postgresUrl: TEST_POSTGRES_URL, poolSize: instance.poolSize ?? 6, timeouts: instance.timeouts }
        : { sqliteDir: options.sqliteDir ?? ':memory:' }),
      entities: [],
      migrations: POINTS_SERVICE_MIGRATIONS,
    });
    cleanups.add(() => dataSource.destroy());
    return new TransactionHost(dataSource);
  };
  if (kind === 'postgres') cleanups.add(() => dropDatabase(databaseNameOf(service)));
  const transactions = await open();
  const query = async <R>(sql: string, parameters: unknown[] = []): Promise<R[]> => {
    const result: unknown = await transactions.dataSource.query(sql, parameters);
    // PostgreSQL answers an UPDATE or DELETE with [rows, count].
    return (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? result[0] : result) as R[];
  };
  return {
    kind,
    service,
    transactions,
    openAnotherInstance: (instance = options) => {
      if (kind !== 'postgres') throw new Error('only PostgreSQL is shared between instances');
      return open(instance);
    },
    query,
    count: async (table, where, parameters) => {
      const [row] = await query<{ n: string | number }>(`SELECT COUNT(*) AS n FROM ${table}${where ? ` WHERE ${where}` : ''}`, parameters);
      return Number(row?.n ?? 0);
    },
  };
}

/** The points service's outbox on this database, as MessagingModule wires it. */
export function pointsOutbox(transactions: TransactionHost): OutboxWriter {
  return new OutboxWriter(transactions, new EventSchemaRegistry(publishedLanguage), new OutboxSignal(), {
    source: 'points',
    partitions: defaultRelayOptions.partitions,
  });
}

/** The real adapters of every port on one instance's database, as the composition root wires them. */
export function pointsAdapters(transactions: TransactionHost, parts: { outbox?: EventOutbox } = {}) {
  const outbox = parts.outbox ?? pointsOutbox(transactions);
  return {
    transactions,
    outbox,
    accounts: new TypeOrmPointsAccountRepository(transactions, outbox),
    orders: new TypeOrmOrderPointsRepository(transactions, outbox),
    queries: new SqlPointsQueries(transactions),
    reconciliation: new SqlPointsReconciliation(transactions),
  };
}

export type PointsAdapters = ReturnType<typeof pointsAdapters>;

export { outboxRows, type OutboxRow } from '@shop/testing';
