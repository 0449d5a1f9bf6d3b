interface DriverError {
  readonly code?: string;
  readonly constraint?: string;
  readonly message?: string;
}

/**
 * Whether a failed query broke the unique index `indexName`: PostgreSQL's `23505` names it in
 * `constraint`, better-sqlite3's `SQLITE_CONSTRAINT_UNIQUE` in its message. TypeORM wraps either
 * in a QueryFailedError that keeps the original as `driverError`.
 */
export function isUniqueViolationOf(error: unknown, indexName: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const driverError = ((error as { driverError?: DriverError }).driverError ?? error) as DriverError;
  switch (driverError.code) {
    case '23505':
      return driverError.constraint === indexName;
    case 'SQLITE_CONSTRAINT_UNIQUE':
      return driverError.message?.includes(`index '${indexName}'`) ?? false;
    default:
      return false;
  }
}
