import { ACCESS_TOKEN_DEFAULT_LIFETIME_SECONDS, AccessTokenVerifier, InvalidAccessTokenError } from '@shop/auth';
import type { AccessTokenVerifier as AccessTokenVerifierPort } from '../../application/ports/access-token-verifier.js';
import type { Caller } from '../../application/ports/service-client.js';

/**
 * Clocks of the user service's and the gateway's hosts may disagree by this much: on `exp`, on an
 * `iat` a little in the future, and on the token's age.
 */
export const CLOCK_TOLERANCE_SECONDS = 30;

/**
 * Access tokens remembered once verified (expiry and age are still checked on every call): every
 * signed-in client sends the same token until it expires, so a busy gateway checks each signature
 * once instead of per request. A few MB when full.
 */
export const VERIFIED_TOKEN_CACHE_CAPACITY = 10_000;

/**
 * The user service's HS256 access tokens (`@shop/auth`): signature, issuer, audience, type, expiry,
 * and age: `iat`, `exp` and `sub` required, `iat` not in the future, no token older or longer-lived
 * than the issuer's lifetime (`JWT_EXPIRES_IN_SECONDS`, which the gateway reads too).
 */
export class JwtAccessTokenVerifier implements AccessTokenVerifierPort {
  private readonly verifier: AccessTokenVerifier;

  /** Refuses a secret too short to be safe at start rather than on the first call; the key is imported once. */
  constructor(secret: string, lifetimeSeconds: number = ACCESS_TOKEN_DEFAULT_LIFETIME_SECONDS) {
    this.verifier = new AccessTokenVerifier(secret, {
      lifetimeSeconds,
      clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
      cacheCapacity: VERIFIED_TOKEN_CACHE_CAPACITY,
    });
  }

  async verify(token: string): Promise<Caller | undefined> {
    try {
      const verified = await this.verifier.verify(token);
      return { userId: verified.userId, roles: verified.roles };
    } catch (error) {
      if (error instanceof InvalidAccessTokenError) return undefined;
      throw error;
    }
  }
}
