import type { DatabaseKind } from './database-options.js';

/** The few places where PostgreSQL and SQLite SQL differ: placeholders, list parameters and the database's clock. */
export interface SqlDialect {
  readonly kind: DatabaseKind;
  /** The n-th (1-based) placeholder. */
  readonly param: (n: number) => string;
}

export const dialectOf = (kind: DatabaseKind): SqlDialect => (kind === 'postgres' ? { kind, param: (n) => `$${n}` } : { kind, param: () => '?' });

/** `(p1, p2, …)` for an IN list starting at placeholder `from`. */
export const inList = (dialect: SqlDialect, count: number, from = 1): string =>
  `(${Array.from({ length: count }, (_, i) => dialect.param(from + i)).join(', ')})`;

/**
 * PostgreSQL's clock as epoch milliseconds, in SQL: leases and expiries compared with it stay right
 * however far the instances' own clocks drift. (SQLite is one process: its callers pass their clock's time.)
 */
export const POSTGRES_NOW_MS = '(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint';
