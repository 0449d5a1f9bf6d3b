export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/** Counts requests per client (a user, or an address) within a window. */
export interface RateLimiter {
  /** Counts one request of `key` and says whether it may go on. */
  consume(key: string): Promise<RateDecision>;
}
