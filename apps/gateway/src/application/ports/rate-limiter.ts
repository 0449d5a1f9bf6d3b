export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/**
 * Counts requests per client (a user, or an address) within a window. The counters may live in a
 * store shared by every gateway instance (Redis); when that store fails, the limiter lets the
 * request through (fail open) rather than refuse the shop.
 */
export interface RateLimiter {
  /** Counts one request of `key` and says whether it may go on. */
  consume(key: string): Promise<RateDecision>;
}
