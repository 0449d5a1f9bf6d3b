import { join } from 'node:path';
import { DataSource, MigrationExecutor, type DataSourceOptions, type QueryRunner } from 'typeorm';
import {
  DEFAULT_POOL_SIZE,
  databaseErrorCodeOf,
  databaseNameOf,
  resolveDatabaseTimeouts,
  type DatabaseKind,
  type DatabaseOptions,
  type DatabaseTimeouts,
} from './database-options.js';
import { DeadlineClient, ensurePostgresDatabase, pgDeadlineSettings, withDatabase } from './postgres-database.js';
import { ensurePrivateFolder, makeSqliteFilesPrivate } from './private-files.js';
import { settlesWithin } from '@shop/shared-kernel';

export const SQLITE_BUSY_TIMEOUT_MS = 5_000;
const MIGRATION_LOCK = `hashtext('shop.migrations')`;
const LOCK_NOT_AVAILABLE = '55P03';
const QUERY_CANCELED = '57014';

type PostgresConnectionOptions = Extract<DataSourceOptions, { type: 'postgres' }>;

export const databaseKindOf = (dataSource: DataSource): DatabaseKind => (dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite');

export const postgresUrlOf = (options: DatabaseOptions): string | undefined =>
  options.databaseUrl ?? (options.postgresUrl ? withDatabase(options.postgresUrl, databaseNameOf(options.service)) : undefined);

/**
 * Opens the service's database and brings its schema up to date with the checked-in migrations.
 * PostgreSQL when a URL is given (database created if missing, every deadline of `options.timeouts`
 * in force), SQLite otherwise.
 */
export async function openDataSource(options: DatabaseOptions): Promise<DataSource> {
  const url = postgresUrlOf(options);
  if (url) return openPostgres(url, options);
  const dir = options.sqliteDir ?? './data';
  const file = dir === ':memory:' ? ':memory:' : join(dir, `${options.service}.sqlite`);
  // The folder 0700 and the files 0600 before SQLite opens them (it gives -wal and -shm the mode of the
  // database file), and once more after the migrations, for files an older version left readable.
  if (file !== ':memory:') {
    ensurePrivateFolder(dir);
    makeSqliteFilesPrivate(file);
  }
  const dataSource = new DataSource({
    type: 'better-sqlite3',
    database: file,
    enableWAL: file !== ':memory:',
    timeout: SQLITE_BUSY_TIMEOUT_MS,
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
    },
    entities: options.entities,
    migrations: options.migrations,
    migrationsTransactionMode: 'each',
    logging: options.logging ?? false,
  } satisfies DataSourceOptions);
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
    if (file !== ':memory:') makeSqliteFilesPrivate(file);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<DataSource> {
  const timeouts = resolveDatabaseTimeouts(options.timeouts);
  await ensurePostgresDatabase(url, timeouts);
  const common = {
    type: 'postgres',
    url,
    applicationName: `shop-${options.service}`,
    migrations: options.migrations,
    migrationsTransactionMode: 'each',
    logging: options.logging ?? false,
  } satisfies PostgresConnectionOptions;
  await migrateExclusively(common, timeouts);
  const dataSource = new DataSource({
    ...common,
    entities: options.entities,
    extra: { ...pgDeadlineSettings(timeouts), max: options.poolSize ?? DEFAULT_POOL_SIZE, Client: DeadlineClient },
  });
  await dataSource.initialize();
  return dataSource;
}

/**
 * Several instances of a service may start together: one migrates while the others wait, at most
 * `migrationTimeoutMs`. Migrations run on a connection of their own whose statement deadlines are the
 * migration one, not the (much shorter) deadlines of requests and handlers.
 */
async function migrateExclusively(common: PostgresConnectionOptions, timeouts: DatabaseTimeouts): Promise<void> {
  const migrationDeadlines: DatabaseTimeouts = {
    ...timeouts,
    statementTimeoutMs: timeouts.migrationTimeoutMs,
    lockTimeoutMs: timeouts.migrationTimeoutMs,
    queryTimeoutMs: timeouts.migrationTimeoutMs + (timeouts.queryTimeoutMs - timeouts.statementTimeoutMs),
  };
  const migrator = new DataSource({ ...common, entities: [], extra: { ...pgDeadlineSettings(migrationDeadlines), max: 1, Client: DeadlineClient } });
  await migrator.initialize();
  const runner = migrator.createQueryRunner();
  try {
    await takeMigrationLock(runner, timeouts.migrationTimeoutMs);
    try {
      const executor = new MigrationExecutor(migrator, runner);
      executor.transaction = 'each';
      await executor.executePendingMigrations();
    } finally {
      await runner.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`).catch(() => undefined);
    }
  } finally {
    await runner.release();
    // Its one connection is idle by now; should the goodbye go unanswered, it is abandoned rather than awaited.
    await settlesWithin(migrator.destroy(), timeouts.connectTimeoutMs);
  }
}

/** The session's lock_timeout (the migration deadline) bounds the wait. */
async function takeMigrationLock(runner: QueryRunner, timeoutMs: number): Promise<void> {
  try {
    await runner.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
  } catch (error) {
    const code = databaseErrorCodeOf(error);
    if (code !== LOCK_NOT_AVAILABLE && code !== QUERY_CANCELED) throw error;
    throw new Error(`gave up after ${timeoutMs} ms waiting for another instance's migrations (advisory lock 'shop.migrations')`, { cause: error });
  }
}
