/**
 * A save found the row at another version than the aggregate was loaded at: something else changed
 * it in between (a row lock or SQLite's one writer normally rules that out). Not a domain error: the
 * transaction fails and its work is retried from the top (a message) or answered 500 (a request).
 */
export class StaleAggregateError extends Error {
  constructor(
    readonly table: string,
    readonly id: string,
    readonly expectedVersion: number,
  ) {
    super(`${table} ${id} is no longer at version ${expectedVersion} (changed since it was loaded, or unknown); nothing was saved`);
    this.name = 'StaleAggregateError';
  }
}
