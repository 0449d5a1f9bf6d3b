import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateDecision, RateLimiter } from '../../application/ports/rate-limiter.js';

export const WINDOW_SECONDS = 60;

/** Seconds to tell the client to wait (`Retry-After`): at least 1. */
export const retryAfterSecondsOf = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/**
 * Requests per key over a rate-limiter-flexible limiter, whatever its store. When the store fails
 * (Redis down or slow), the request is let through and `onStoreFailure` told: the shop stays open
 * rather than answer every request with an error because of its rate limiter.
 */
export class CountingRateLimiter implements RateLimiter {
  constructor(
    private readonly limiter: RateLimiterAbstract,
    private readonly onStoreFailure: (error: unknown) => void,
  ) {}

  async consume(key: string): Promise<RateDecision> {
    try {
      await this.limiter.consume(key);
      return { allowed: true };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return { allowed: false, retryAfterSeconds: retryAfterSecondsOf(rejection.msBeforeNext) };
      this.onStoreFailure(rejection);
      return { allowed: true };
    }
  }
}

/** Checks a per-minute limit: a positive integer (0, "no limit", is `UnlimitedRateLimiter`). */
export function checkedPerMinute(perMinute: number): number {
  if (!Number.isSafeInteger(perMinute) || perMinute < 1) throw new Error(`a rate limit needs a positive number of requests per minute, not ${perMinute}`);
  return perMinute;
}

/**
 * `perMinute` requests per key in a fixed one-minute window, counted in this process: with several
 * gateway instances each counts its own share.
 */
export class MemoryRateLimiter extends CountingRateLimiter {
  constructor(perMinute: number) {
    super(new RateLimiterMemory({ points: checkedPerMinute(perMinute), duration: WINDOW_SECONDS }), (error) => {
      throw error;
    });
  }
}

/** `RATE_LIMIT_PER_MINUTE=0`: no limit. */
export class UnlimitedRateLimiter implements RateLimiter {
  async consume(): Promise<RateDecision> {
    return { allowed: true };
  }
}
