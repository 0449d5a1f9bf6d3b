import type { EntitySchema, MixedList } from 'typeorm';

export type DatabaseKind = 'postgres' | 'sqlite';

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
  /** PostgreSQL pool size. */
  readonly poolSize?: number;
  readonly logging?: boolean;
}

export const databaseNameOf = (service: string): string => {
  if (!/^[a-z][a-z0-9_]*$/.test(service)) throw new Error(`service name '${service}' must be lower-case letters, digits and '_'`);
  return `shop_${service}`;
};
