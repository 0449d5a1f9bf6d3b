import { TransactionHost, databaseNameOf, openDataSource, rowsOf, type DatabaseKind, type DatabaseOptions, type DatabaseTimeouts } from '@shop/persistence';
import { TEST_POSTGRES_URL, dropDatabase, uniqueServiceName, type Cleanups } from '@shop/testing';

export const KINDS: readonly DatabaseKind[] = ['postgres', 'sqlite'];

/** One instance's data source: its pool size and deadlines (PostgreSQL). */
export interface InstanceOptions {
  readonly poolSize?: number;
  readonly timeouts?: Partial<DatabaseTimeouts>;
}

/** A service's database for a repository or migration test, without the service running on it. */
export interface ServiceTestDatabase {
  readonly kind: DatabaseKind;
  /** The service name the database is named after (`shop_<service>` on PostgreSQL, `<service>.sqlite`). */
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

export interface ServiceTestDatabaseOptions extends InstanceOptions {
  /** What the service runs at start, in its order (`platformMigrations(...)`, then its own). */
  readonly migrations: DatabaseOptions['migrations'];
  /**
   * SQLite: a folder for the file, named as the service's own (`<service>.sqlite`) so that another
   * process (a CLI) finds it there; in memory when omitted.
   */
  readonly sqliteDir?: string;
}

/**
 * A fresh database of `service` with `migrations` applied: on PostgreSQL a database
 * `shop_<service>_<random>` of its own (dropped with the cleanups), on SQLite a file in `sqliteDir`
 * when given, in memory otherwise. Each instance's data source is destroyed with the cleanups.
 */
export async function openServiceTestDatabase(
  service: string,
  kind: DatabaseKind,
  cleanups: Cleanups,
  options: ServiceTestDatabaseOptions,
): Promise<ServiceTestDatabase> {
  // A SQLite file another process opens must carry the service's own name.
  const name = kind === 'sqlite' && options.sqliteDir ? service : uniqueServiceName(service);
  const open = async (instance: InstanceOptions = options) => {
    const dataSource = await openDataSource({
      service: name,
      ...(kind === 'postgres'
        ? { postgresUrl: TEST_POSTGRES_URL, poolSize: instance.poolSize ?? 6, timeouts: instance.timeouts }
        : { sqliteDir: options.sqliteDir ?? ':memory:' }),
      entities: [],
      migrations: options.migrations,
    });
    cleanups.add(() => dataSource.destroy());
    return new TransactionHost(dataSource);
  };
  if (kind === 'postgres') cleanups.add(() => dropDatabase(databaseNameOf(name)));
  const transactions = await open();
  const query = async <R>(sql: string, parameters: unknown[] = []): Promise<R[]> => rowsOf<R>(await transactions.dataSource.query(sql, parameters));
  return {
    kind,
    service: name,
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
