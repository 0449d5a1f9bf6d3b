interface DriverError {
  readonly code?: string;
  readonly constraint?: string;
  readonly message?: string;
}

/**
 * Whether a failed query broke the unique index `indexName` on `table.column`: PostgreSQL's `23505`
 * names the index in `constraint`; better-sqlite3's `SQLITE_CONSTRAINT_UNIQUE` names the column in its
 * message (`UNIQUE constraint failed: order_product.sku`). TypeORM wraps either in a QueryFailedError
 * that keeps the original as `driverError`.
 */
export function isUniqueViolationOf(error: unknown, unique: { index: string; table: string; column: string }): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const driverError = ((error as { driverError?: DriverError }).driverError ?? error) as DriverError;
  switch (driverError.code) {
    case '23505':
      return driverError.constraint === unique.index;
    case 'SQLITE_CONSTRAINT_UNIQUE':
      return driverError.message?.includes(`${unique.table}.${unique.column}`) ?? false;
    default:
      return false;
  }
}
