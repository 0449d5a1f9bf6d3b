/**
 * DI tokens of the order context's ports. UNIT_OF_WORK and EVENT_OUTBOX come from
 * @shop/shared-kernel, the same for every context.
 */
export const ORDER_REPOSITORY = Symbol.for('shop.order.OrderRepository');
export const PRODUCT_REPOSITORY = Symbol.for('shop.order.ProductRepository');
export const ORDER_QUERIES = Symbol.for('shop.order.OrderQueries');
export const CATALOG_QUERIES = Symbol.for('shop.order.CatalogQueries');
export const CATALOG_SEED = Symbol.for('shop.order.CatalogSeed');
export const ORDER_CLOCK = Symbol.for('shop.order.Clock');
/** The configured rules the use cases apply (`OrderRules`). */
export const ORDER_RULES = Symbol.for('shop.order.OrderRules');

/** The rules that come from configuration rather than code. */
export interface OrderRules {
  /** How long a PENDING order waits for its reservations (`ORDER_RESERVATION_TIMEOUT`). */
  readonly reservationTimeoutMs: number;
  /** How long an order awaits its payment (`ORDER_PAYMENT_TIMEOUT`). */
  readonly paymentTimeoutMs: number;
}
