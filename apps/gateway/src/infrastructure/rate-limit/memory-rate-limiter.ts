import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateDecision, RateLimiter } from '../../application/ports/rate-limiter.js';

const WINDOW_SECONDS = 60;

/**
 * `perMinute` requests per key in a fixed one-minute window (rate-limiter-flexible), counted in
 * this process: with several gateway instances each counts its own share.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly limiter: RateLimiterMemory;

  constructor(perMinute: number) {
    if (!Number.isSafeInteger(perMinute) || perMinute < 1) throw new Error(`a rate limit needs a positive number of requests per minute, not ${perMinute}`);
    this.limiter = new RateLimiterMemory({ points: perMinute, duration: WINDOW_SECONDS });
  }

  async consume(key: string): Promise<RateDecision> {
    try {
      await this.limiter.consume(key);
      return { allowed: true };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
      throw rejection;
    }
  }
}

/** `RATE_LIMIT_PER_MINUTE=0`: no limit. */
export class UnlimitedRateLimiter implements RateLimiter {
  async consume(): Promise<RateDecision> {
    return { allowed: true };
  }
}
