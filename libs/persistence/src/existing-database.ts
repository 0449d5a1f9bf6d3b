import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { SQLITE_BUSY_TIMEOUT_MS, postgresUrlOf } from './data-source.factory.js';

/** Where an operator command finds a service's database: its flags (`--postgres-url`, `--sqlite-dir`). */
export interface ExistingDatabaseChoice {
  /** The folder of the embedded mode's `<service>.sqlite`. */
  readonly sqliteDir?: string | undefined;
  /** A PostgreSQL server: the database name is replaced by the service's (`shop_<service>`). */
  readonly postgresUrl?: string | undefined;
}

export interface OpenExistingServiceDatabaseOptions {
  /** PostgreSQL's `application_name` of the command's session (`shop-dlq`, `shop-points-cli`). */
  readonly applicationName: string;
  /**
   * Only reads: SQLite opened read-only (a write fails), PostgreSQL's transactions read-only by default.
   * Without it the command may write (SQLite: while the service is stopped).
   */
  readonly readOnly?: boolean;
}

/**
 * A service's own database as the service left it, for operator commands (`npm run dlq`, `npm run
 * points`): never created, never migrated, on SQLite neither switched to WAL nor chmodded. A name typed
 * wrong must fail, not make a database; a command must not change the schema of a database whose
 * service may be of another version. `--postgres-url` wins over `$<SERVICE>_DATABASE_URL` (a full URL),
 * which wins over `$POSTGRES_URL`.
 *
 * Answers a message (string) when no database is named or the SQLite file is missing; throws when
 * PostgreSQL cannot be reached or has no such database.
 */
export async function openExistingServiceDatabase(
  service: string,
  choice: ExistingDatabaseChoice,
  env: Readonly<Record<string, string | undefined>>,
  options: OpenExistingServiceDatabaseOptions,
): Promise<DataSource | string> {
  const readOnly = options.readOnly ?? false;
  if (choice.sqliteDir !== undefined) {
    const file = join(choice.sqliteDir, `${service}.sqlite`);
    if (!existsSync(file)) return `no database of ${service} at ${file}`;
    const dataSource = new DataSource({
      type: 'better-sqlite3',
      database: file,
      readonly: readOnly,
      fileMustExist: true,
      timeout: SQLITE_BUSY_TIMEOUT_MS,
      entities: [],
    });
    await dataSource.initialize();
    return dataSource;
  }
  const variable = `${service.toUpperCase()}_DATABASE_URL`;
  const url = postgresUrlOf({
    service,
    databaseUrl: choice.postgresUrl ? undefined : env[variable] || undefined,
    postgresUrl: choice.postgresUrl ?? (env['POSTGRES_URL'] || undefined),
    entities: [],
    migrations: [],
  });
  if (!url) return `no database of ${service} named: --postgres-url, $${variable} or $POSTGRES_URL, or --sqlite-dir`;
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    applicationName: options.applicationName,
    extra: { max: 1, connectionTimeoutMillis: 10_000, ...(readOnly ? { options: '-c default_transaction_read_only=on' } : {}) },
  });
  await dataSource.initialize();
  return dataSource;
}
