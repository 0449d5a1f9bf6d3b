import type { RateDecision } from './rate-limiter.js';

/**
 * Failed logins per account (a normalised e-mail address), whatever address they come from: after
 * a few in a row the account is locked for a short while that grows with each further failure, up
 * to a cap, so that guessing a password is slow and a user is never locked out for long. Like the
 * rate limiter, it lets a login through when its store fails.
 */
export interface LoginThrottle {
  /** Whether a login for `account` may be tried now, or in how many seconds. */
  check(account: string): Promise<RateDecision>;
  /** The service refused the password: one more failure in a row. */
  recordFailure(account: string): Promise<void>;
  /** The service accepted the password: the failures are forgotten. */
  recordSuccess(account: string): Promise<void>;
}
