import type { DatabaseKind } from '@shop/persistence';

/** The few places where PostgreSQL and SQLite SQL differ: placeholders and list parameters. */
export interface SqlDialect {
  readonly kind: DatabaseKind;
  /** The n-th (1-based) placeholder. */
  param(n: number): string;
}

export const dialectOf = (kind: DatabaseKind): SqlDialect => (kind === 'postgres' ? { kind, param: (n) => `$${n}` } : { kind, param: () => '?' });

/** `(p1, p2, …)` for an IN list starting at placeholder `from`. */
export const inList = (dialect: SqlDialect, count: number, from = 1): string =>
  `(${Array.from({ length: count }, (_, i) => dialect.param(from + i)).join(', ')})`;
