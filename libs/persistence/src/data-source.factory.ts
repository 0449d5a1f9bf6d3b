import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { databaseNameOf, type DatabaseKind, type DatabaseOptions } from './database-options.js';
import { ensurePostgresDatabase, withDatabase } from './postgres-database.js';

export const SQLITE_BUSY_TIMEOUT_MS = 5_000;

export const databaseKindOf = (dataSource: DataSource): DatabaseKind =>
  dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';

export const postgresUrlOf = (options: DatabaseOptions): string | undefined =>
  options.databaseUrl ?? (options.postgresUrl ? withDatabase(options.postgresUrl, databaseNameOf(options.service)) : undefined);

/**
 * Opens the service's database and brings its schema up to date with the checked-in migrations.
 * PostgreSQL when a URL is given (database created if missing), SQLite otherwise.
 */
export async function openDataSource(options: DatabaseOptions): Promise<DataSource> {
  const url = postgresUrlOf(options);
  let dataSourceOptions: DataSourceOptions;
  if (url) {
    await ensurePostgresDatabase(url);
    dataSourceOptions = {
      type: 'postgres',
      url,
      applicationName: `shop-${options.service}`,
      entities: options.entities,
      migrations: options.migrations,
      migrationsTransactionMode: 'each',
      logging: options.logging ?? false,
      extra: { max: options.poolSize ?? 10 },
    };
  } else {
    const dir = options.sqliteDir ?? './data';
    const file = dir === ':memory:' ? ':memory:' : join(dir, `${options.service}.sqlite`);
    if (file !== ':memory:') mkdirSync(dir, { recursive: true });
    dataSourceOptions = {
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
    };
  }
  const dataSource = new DataSource(dataSourceOptions);
  await dataSource.initialize();
  try {
    await runMigrationsExclusively(dataSource);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

/** Several instances of a service may start together: one migrates while the others wait. */
async function runMigrationsExclusively(dataSource: DataSource): Promise<void> {
  if (databaseKindOf(dataSource) !== 'postgres') {
    await dataSource.runMigrations({ transaction: 'each' });
    return;
  }
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query(`SELECT pg_advisory_lock(hashtext('shop.migrations'))`);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query(`SELECT pg_advisory_unlock(hashtext('shop.migrations'))`).catch(() => undefined);
    await runner.release();
  }
}
