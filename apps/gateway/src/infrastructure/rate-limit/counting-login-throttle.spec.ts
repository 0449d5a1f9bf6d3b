import { describe, expect, it, vi } from 'vitest';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { CountingLoginThrottle, lockSecondsAfter } from './counting-login-throttle.js';
import { MemoryRateLimitStore, type RateLimitStore } from './rate-limit-store.js';

const policy = { maxFailures: 3, lockMaxSeconds: 4 };

describe('lockSecondsAfter', () => {
  it('locks for 1 s at maxFailures, doubling with each further failure, up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 100].map((failures) => lockSecondsAfter(failures, policy))).toEqual([0, 0, 1, 2, 4, 4, 4, 4]);
    expect(lockSecondsAfter(5 + 200, { maxFailures: 5, lockMaxSeconds: 120 })).toBe(120);
  });
});

describe('CountingLoginThrottle (memory)', () => {
  it('lets an account try until maxFailures in a row, then answers how long it is locked', async () => {
    const throttle = new CountingLoginThrottle(new MemoryRateLimitStore(), policy, () => {});
    for (let i = 0; i < 2; i += 1) {
      expect(await throttle.check('ada@example.com')).toEqual({ allowed: true });
      await throttle.recordFailure('ada@example.com');
    }
    expect(await throttle.check('ada@example.com')).toEqual({ allowed: true });
    await throttle.recordFailure('ada@example.com');
    expect(await throttle.check('ada@example.com')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    // Another account is not concerned.
    expect(await throttle.check('bob@example.com')).toEqual({ allowed: true });
  });

  it('doubles the lock with each further failure, never beyond lockMaxSeconds', async () => {
    const throttle = new CountingLoginThrottle(new MemoryRateLimitStore(), policy, () => {});
    const locks: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      await throttle.recordFailure('ada@example.com');
      const decision = await throttle.check('ada@example.com');
      locks.push(decision.allowed ? 0 : decision.retryAfterSeconds);
    }
    expect(locks).toEqual([0, 0, 1, 2, 4, 4]);
  });

  it('unlocks once the lock has run out', async () => {
    const throttle = new CountingLoginThrottle(new MemoryRateLimitStore(), { maxFailures: 1, lockMaxSeconds: 1 }, () => {});
    await throttle.recordFailure('ada@example.com');
    expect((await throttle.check('ada@example.com')).allowed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await throttle.check('ada@example.com')).toEqual({ allowed: true });
  });

  it('forgets the failures and the lock after a success', async () => {
    const throttle = new CountingLoginThrottle(new MemoryRateLimitStore(), policy, () => {});
    for (let i = 0; i < 4; i += 1) await throttle.recordFailure('ada@example.com');
    expect((await throttle.check('ada@example.com')).allowed).toBe(false);
    await throttle.recordSuccess('ada@example.com');
    expect(await throttle.check('ada@example.com')).toEqual({ allowed: true });
    // Counting starts again from zero.
    await throttle.recordFailure('ada@example.com');
    expect(await throttle.check('ada@example.com')).toEqual({ allowed: true });
  });

  it('lets logins through, and says so, when the store fails', async () => {
    const broken = {
      get: () => Promise.reject(new Error('Redis connection is not ready')),
      consume: () => Promise.reject(new Error('Redis connection is not ready')),
      block: () => Promise.reject(new Error('Redis connection is not ready')),
      delete: () => Promise.reject(new Error('Redis connection is not ready')),
      points: 1,
    } as unknown as RateLimiterAbstract;
    const store: RateLimitStore = { counter: () => broken, ready: async () => false, close: async () => {} };
    const failures = vi.fn();
    const throttle = new CountingLoginThrottle(store, policy, failures);
    for (let i = 0; i < 5; i += 1) {
      expect(await throttle.check('ada@example.com')).toEqual({ allowed: true });
      await throttle.recordFailure('ada@example.com');
    }
    await throttle.recordSuccess('ada@example.com');
    expect(failures).toHaveBeenCalledTimes(11);
  });

  it('refuses a policy that is not made of positive integers', () => {
    expect(() => new CountingLoginThrottle(new MemoryRateLimitStore(), { maxFailures: 0, lockMaxSeconds: 1 }, () => {})).toThrow();
    expect(() => new CountingLoginThrottle(new MemoryRateLimitStore(), { maxFailures: 1, lockMaxSeconds: 0.5 }, () => {})).toThrow();
  });
});
