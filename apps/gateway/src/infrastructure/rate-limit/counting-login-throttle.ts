import { createHash } from 'node:crypto';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { LoginAttempt, LoginDecision, LoginOutcome, LoginThrottle } from '../../application/ports/login-throttle.js';
import { retryAfterSecondsOf } from './memory-rate-limiter.js';
import type { RateLimitStore } from './rate-limit-store.js';

export interface LoginThrottlePolicy {
  /** Failed logins in a row from one address before that address waits (1 s) for each further try on the account. */
  readonly maxFailures: number;
  /** The longest wait, in seconds: each further failure doubles it up to this. */
  readonly lockMaxSeconds: number;
}

/**
 * How long failures in a row are remembered (from the first one): long enough that an attacker who
 * waits out each lock stays at the longest one, short enough that a user's old typos are forgotten.
 */
export const FAILURE_MEMORY_SECONDS = 3_600;

/**
 * Failed logins for an account, from every address, within the memory, beyond which the account is
 * "under attack" (in units of `maxFailures`): many more than one user's typos.
 */
export const ACCOUNT_FAILURES_FACTOR = 4;

/** A wait of `seconds` after `failures` in a row: 1 s at `maxFailures`, doubling, capped. */
export function lockSecondsAfter(failures: number, { maxFailures, lockMaxSeconds }: LoginThrottlePolicy): number {
  if (failures < maxFailures) return 0;
  return Math.min(2 ** Math.min(failures - maxFailures, 30), lockMaxSeconds);
}

const NOTHING_TO_SETTLE: LoginAttempt = { settle: async () => {} };

/**
 * Failed logins in rate-limiter-flexible counters of one store (Redis: shared by every gateway).
 *
 * The hard lock is per (account, address), so that an attacker can only lock out the addresses
 * they use, never the owner elsewhere. Each attempt takes a point of the pair's `attempts` counter
 * atomically before the service is asked (given back when the answer was not about the password,
 * forgotten on success), so a parallel burst cannot outrun it. From `maxFailures` on, an attempt also
 * needs the pair's `turn`: one per lock period (1 s, doubling per further failure, at most
 * `lockMaxSeconds`, counted from the attempt and again from its failure), taken atomically too; the
 * others answer 429 with how long to wait.
 *
 * Guessing spread over many addresses: once the account has `ACCOUNT_FAILURES_FACTOR × maxFailures`
 * refused passwords in the memory, every address is treated as having already failed
 * `maxFailures − 1` times, so each gets one try and then waits (growing with its own failures).
 * This is a slow-down, not a lock: an address with no failure for the account always gets its
 * first try at once, and an address's wait never exceeds `lockMaxSeconds`; the owner is thus
 * never locked out for longer than that, and not at all from a fresh address.
 *
 * Accounts are keyed by a hash, so the store holds no e-mail addresses. When the store fails, a
 * login is let through unchecked and `onStoreFailure` told.
 */
export class CountingLoginThrottle implements LoginThrottle {
  private readonly attempts: RateLimiterAbstract;
  private readonly turns: RateLimiterAbstract;
  private readonly accountFailures: RateLimiterAbstract;
  private readonly accountMaxFailures: number;

  constructor(
    store: RateLimitStore,
    private readonly policy: LoginThrottlePolicy,
    private readonly onStoreFailure: (error: unknown) => void,
  ) {
    if (!Number.isSafeInteger(policy.maxFailures) || policy.maxFailures < 1)
      throw new Error(`login lock: maxFailures must be a positive integer, not ${policy.maxFailures}`);
    if (!Number.isSafeInteger(policy.lockMaxSeconds) || policy.lockMaxSeconds < 1)
      throw new Error(`login lock: lockMaxSeconds must be a positive integer, not ${policy.lockMaxSeconds}`);
    this.accountMaxFailures = ACCOUNT_FAILURES_FACTOR * policy.maxFailures;
    // Never refuse by themselves: they only count; `turns` refuses (its duration is set per turn).
    this.attempts = store.counter({ name: 'login-attempts', points: Number.MAX_SAFE_INTEGER, durationSeconds: FAILURE_MEMORY_SECONDS });
    this.accountFailures = store.counter({ name: 'login-account-failures', points: Number.MAX_SAFE_INTEGER, durationSeconds: FAILURE_MEMORY_SECONDS });
    this.turns = store.counter({ name: 'login-turn', points: 1, durationSeconds: 1 });
  }

  async begin(account: string, address: string): Promise<LoginDecision> {
    const accountKey = keyOf(account);
    const pair = `${accountKey}:${address}`;
    let taken = false;
    try {
      const [{ consumedPoints }, accountFailures] = await Promise.all([this.attempts.consume(pair), this.accountFailures.get(accountKey)]);
      taken = true;
      const underAttack = (accountFailures?.consumedPoints ?? 0) >= this.accountMaxFailures;
      const failures = underAttack ? consumedPoints + this.policy.maxFailures - 1 : consumedPoints;
      const lockSeconds = lockSecondsAfter(failures, this.policy);
      if (lockSeconds === 0) return { allowed: true, attempt: this.attemptOf(pair, accountKey, 0) };
      // The turn lasts from this attempt on (whoever else tries meanwhile waits), and again from its failure.
      await this.turns.consume(pair, 1, { customDuration: lockSeconds });
      return { allowed: true, attempt: this.attemptOf(pair, accountKey, lockSeconds) };
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        // Refused: this try did not reach the service, so it does not make the next wait longer.
        await this.attempts.reward(pair, 1).catch((failure: unknown) => this.onStoreFailure(failure));
        return { allowed: false, retryAfterSeconds: retryAfterSecondsOf(error.msBeforeNext) };
      }
      this.onStoreFailure(error);
      if (taken) return { allowed: true, attempt: this.attemptOf(pair, accountKey, 0) };
      return { allowed: true, attempt: NOTHING_TO_SETTLE };
    }
  }

  /** `lockSeconds`: the turn this attempt took (0: none). */
  private attemptOf(pair: string, accountKey: string, lockSeconds: number): LoginAttempt {
    let settled = false;
    return {
      settle: async (outcome: LoginOutcome) => {
        if (settled) return;
        settled = true;
        try {
          if (outcome === 'accepted') await Promise.all([this.attempts.delete(pair), this.turns.delete(pair)]);
          else if (outcome === 'refused')
            await Promise.all([this.accountFailures.consume(accountKey), ...(lockSeconds > 0 ? [this.turns.block(pair, lockSeconds)] : [])]);
          // Not about the password: the attempt (and its turn) are given back.
          else await Promise.all([this.attempts.reward(pair, 1), ...(lockSeconds > 0 ? [this.turns.delete(pair)] : [])]);
        } catch (error) {
          this.onStoreFailure(error);
        }
      },
    };
  }
}

const keyOf = (account: string): string => createHash('sha256').update(account).digest('base64url');
