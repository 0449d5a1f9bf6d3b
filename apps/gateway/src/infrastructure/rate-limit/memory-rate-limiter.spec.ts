import { describe, expect, it } from 'vitest';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { CountingRateLimiter, MemoryRateLimiter, UnlimitedRateLimiter } from './memory-rate-limiter.js';

describe('MemoryRateLimiter', () => {
  it('allows perMinute requests per key, then refuses with the seconds left in the window', async () => {
    const limiter = new MemoryRateLimiter(2);
    expect(await limiter.consume('user:a')).toEqual({ allowed: true });
    expect(await limiter.consume('user:a')).toEqual({ allowed: true });
    const refused = await limiter.consume('user:a');
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) {
      expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(59);
      expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    }
    expect(await limiter.consume('user:b')).toEqual({ allowed: true });
  });

  it('refuses a limit that is not a positive integer (0 means no limiter at all)', () => {
    expect(() => new MemoryRateLimiter(0)).toThrow();
    expect(() => new MemoryRateLimiter(1.5)).toThrow();
  });
});

describe('UnlimitedRateLimiter', () => {
  it('allows everything', async () => {
    const limiter = new UnlimitedRateLimiter();
    for (let i = 0; i < 1000; i += 1) expect(await limiter.consume()).toEqual({ allowed: true });
  });
});

describe('CountingRateLimiter', () => {
  it('lets the request through (fail open) and reports the error when its store fails', async () => {
    const error = new Error('Command timed out');
    const failures: unknown[] = [];
    const limiter = new CountingRateLimiter({ consume: () => Promise.reject(error) } as unknown as RateLimiterAbstract, (failure) => failures.push(failure));
    expect(await limiter.consume('user:a')).toEqual({ allowed: true });
    expect(failures).toEqual([error]);
  });
});
