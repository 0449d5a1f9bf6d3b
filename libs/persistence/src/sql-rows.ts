/**
 * The rows of a raw query's answer. TypeORM hands PostgreSQL's answer to an UPDATE or DELETE back as
 * `[rows, count]`, and the rows alone for a SELECT or INSERT (and for everything on SQLite).
 */
export function rowsOf<R>(result: unknown): R[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as R[];
  return result as R[];
}

/** PostgreSQL hands BIGINT back as a string, SQLite as a number. */
export const numberOf = (value: string | number): number => Number(value);

export const numberOrNull = (value: string | number | null): number | null => (value === null ? null : Number(value));

/** PostgreSQL hands BOOLEAN back as a boolean, SQLite as 0 or 1. */
export const booleanOf = (value: boolean | number): boolean => value === true || value === 1;
