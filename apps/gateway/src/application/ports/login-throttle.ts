/** How the service answered a login that was let through. */
export type LoginOutcome =
  /** The service accepted the password (2xx). */
  | 'accepted'
  /** The service refused the password (its invalid-credentials problem): one more failure. */
  | 'refused'
  /** Anything else (a bad request, the service unavailable, …): the attempt is given back. */
  | 'other';

/** A login let through: say how it ended, once. */
export interface LoginAttempt {
  settle(outcome: LoginOutcome): Promise<void>;
}

export type LoginDecision = { readonly allowed: true; readonly attempt: LoginAttempt } | { readonly allowed: false; readonly retryAfterSeconds: number };

/**
 * Failed logins per account (a normalised e-mail address). The hard lock is per (account, client
 * address): an attempt is taken before the service is asked, so a burst cannot outrun the count,
 * and after a few failures in a row that pair waits a growing, capped while. Across addresses, an
 * account under attack only shortens the free attempts of addresses that have failed for it: an
 * owner from an address with no failures for the account is never refused, and from any address
 * waits at most the cap. Like the rate limiter, it lets a login through when its store fails.
 */
export interface LoginThrottle {
  /** Takes one attempt for `account` from `address` (a rate-limit address key), or says in how many seconds to try again. */
  begin(account: string, address: string): Promise<LoginDecision>;
}
