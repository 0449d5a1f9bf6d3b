interface DriverError {
  readonly code?: string;
  readonly constraint?: string;
  readonly message?: string;
}

/**
 * A unique index, as each database names it when a write breaks it: PostgreSQL by the index's name,
 * SQLite by the indexed `table.column` for an index on a plain column, and by the index's name only for an
 * index on an expression (`lower(email)`). Give `table` and `column` for the former.
 */
export interface UniqueIndex {
  readonly index: string;
  readonly table?: string;
  readonly column?: string;
}

const SQLITE_UNIQUE_FAILED = 'UNIQUE constraint failed: ';

/**
 * Whether a failed query broke `unique`, so the repository can answer the domain's "taken" error rather
 * than a 500: PostgreSQL's `23505` names the index in `constraint`; better-sqlite3's `SQLITE_CONSTRAINT_UNIQUE`
 * names it in its message (`UNIQUE constraint failed: order_product.sku`, or `… index 'users_email_lower'`).
 * TypeORM wraps either in a QueryFailedError that keeps the original as `driverError`. Another unique index
 * of the same table (or the primary key) is not this one.
 */
export function isUniqueViolationOf(error: unknown, unique: UniqueIndex): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const driverError = ((error as { driverError?: DriverError }).driverError ?? error) as DriverError;
  switch (driverError.code) {
    case '23505':
      return driverError.constraint === unique.index;
    case 'SQLITE_CONSTRAINT_UNIQUE': {
      const message = driverError.message ?? '';
      if (!message.startsWith(SQLITE_UNIQUE_FAILED)) return false;
      const named = message.slice(SQLITE_UNIQUE_FAILED.length);
      if (named === `index '${unique.index}'`) return true;
      // An index on several columns lists them all: `t.a, t.b`.
      return unique.table !== undefined && unique.column !== undefined && named.split(', ').includes(`${unique.table}.${unique.column}`);
    }
    default:
      return false;
  }
}
