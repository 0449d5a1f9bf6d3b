/** DI tokens of the idempotency module. */
export const IDEMPOTENCY_OPTIONS = Symbol.for('shop.http.IdempotencyOptions');
export const IDEMPOTENCY_CLOCK = Symbol.for('shop.http.IdempotencyClock');
/** Metadata `@Idempotent()` leaves on a route handler. */
export const IDEMPOTENT_ROUTE = Symbol.for('shop.http.Idempotent');
