import { createHash } from 'node:crypto';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { LoginThrottle } from '../../application/ports/login-throttle.js';
import type { RateDecision } from '../../application/ports/rate-limiter.js';
import { retryAfterSecondsOf } from './memory-rate-limiter.js';
import type { RateLimitStore } from './rate-limit-store.js';

export interface LoginThrottlePolicy {
  /** Failures in a row before the first lock (of 1 s). */
  readonly maxFailures: number;
  /** The longest lock, in seconds: each further failure doubles it up to this. */
  readonly lockMaxSeconds: number;
}

/**
 * How long failures in a row are remembered (from the first one): long enough that an attacker who
 * waits out each lock stays at the longest one, short enough that a user's old typos are forgotten.
 */
export const FAILURE_MEMORY_SECONDS = 3_600;

/** A lock of `seconds` after `failures` in a row: 1 s at `maxFailures`, doubling, capped. */
export function lockSecondsAfter(failures: number, { maxFailures, lockMaxSeconds }: LoginThrottlePolicy): number {
  if (failures < maxFailures) return 0;
  return Math.min(2 ** Math.min(failures - maxFailures, 30), lockMaxSeconds);
}

/**
 * Failed logins per account in two rate-limiter-flexible counters of one store: the failures in a
 * row, and the lock (a block of a few seconds). Accounts are keyed by a hash, so the store holds no
 * e-mail addresses. When the store fails, a login is let through unchecked and `onStoreFailure` told.
 */
export class CountingLoginThrottle implements LoginThrottle {
  private readonly failures: RateLimiterAbstract;
  private readonly locks: RateLimiterAbstract;

  constructor(
    store: RateLimitStore,
    private readonly policy: LoginThrottlePolicy,
    private readonly onStoreFailure: (error: unknown) => void,
  ) {
    if (!Number.isSafeInteger(policy.maxFailures) || policy.maxFailures < 1)
      throw new Error(`login lock: maxFailures must be a positive integer, not ${policy.maxFailures}`);
    if (!Number.isSafeInteger(policy.lockMaxSeconds) || policy.lockMaxSeconds < 1)
      throw new Error(`login lock: lockMaxSeconds must be a positive integer, not ${policy.lockMaxSeconds}`);
    // Never refuses by itself: it only counts; the lock is the other counter's block.
    this.failures = store.counter({ name: 'login-failures', points: Number.MAX_SAFE_INTEGER, durationSeconds: FAILURE_MEMORY_SECONDS });
    this.locks = store.counter({ name: 'login-lock', points: 1, durationSeconds: 1 });
  }

  async check(account: string): Promise<RateDecision> {
    try {
      const lock = await this.locks.get(keyOf(account));
      // `block` marks a key with more points than the counter has, for the lock's duration.
      if (lock !== null && lock.consumedPoints > this.locks.points && lock.msBeforeNext > 0)
        return { allowed: false, retryAfterSeconds: retryAfterSecondsOf(lock.msBeforeNext) };
      return { allowed: true };
    } catch (error) {
      this.onStoreFailure(error);
      return { allowed: true };
    }
  }

  async recordFailure(account: string): Promise<void> {
    const key = keyOf(account);
    try {
      const { consumedPoints } = await this.failures.consume(key);
      const seconds = lockSecondsAfter(consumedPoints, this.policy);
      if (seconds > 0) await this.locks.block(key, seconds);
    } catch (error) {
      this.onStoreFailure(error);
    }
  }

  async recordSuccess(account: string): Promise<void> {
    const key = keyOf(account);
    try {
      await Promise.all([this.failures.delete(key), this.locks.delete(key)]);
    } catch (error) {
      this.onStoreFailure(error);
    }
  }
}

const keyOf = (account: string): string => createHash('sha256').update(account).digest('base64url');
