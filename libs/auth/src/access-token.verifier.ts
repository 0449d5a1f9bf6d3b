import { jwtVerify } from 'jose';
import { DomainError, isUuid } from '@shop/shared-kernel';
import {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_DEFAULT_LIFETIME_SECONDS,
  ACCESS_TOKEN_ISSUER,
  ACCESS_TOKEN_ROLES,
  ACCESS_TOKEN_TYPE,
  accessTokenKey,
  type AccessTokenRole,
} from './access-token.claims.js';

export interface VerifiedAccessToken {
  readonly userId: string;
  readonly roles: readonly AccessTokenRole[];
  readonly expiresAt: Date;
}

export interface AccessTokenVerifierOptions {
  /**
   * The issuer's token lifetime (`JWT_EXPIRES_IN_SECONDS`, default 3600): a token issued longer ago,
   * or whose `exp` lies further after its `iat`, is refused whatever its `exp` says.
   */
  readonly lifetimeSeconds?: number;
  /** Leeway for clocks that disagree a little, in seconds (default 0), on `exp`, `iat` and the lifetime. */
  readonly clockToleranceSeconds?: number;
}

export interface VerifyAccessTokenOptions extends AccessTokenVerifierOptions {
  /** The moment to check expiry against; now by default. */
  readonly now?: Date;
}

/** Any token that is not a valid, current access token of this shop. Says nothing about why. */
export class InvalidAccessTokenError extends DomainError {
  constructor() {
    super('INVALID_ACCESS_TOKEN', 'the access token is missing, malformed, expired or not signed by this shop');
  }
}

/**
 * Checks access tokens' signature (HS256 only), issuer, audience, type, expiry, age and claims, and
 * returns whom each speaks for. The key is imported once, when the verifier is made.
 */
export class AccessTokenVerifier {
  private readonly key: Uint8Array;
  private readonly lifetimeSeconds: number;
  private readonly clockToleranceSeconds: number;

  constructor(secret: string, options: AccessTokenVerifierOptions = {}) {
    this.key = accessTokenKey(secret);
    this.lifetimeSeconds = options.lifetimeSeconds ?? ACCESS_TOKEN_DEFAULT_LIFETIME_SECONDS;
    this.clockToleranceSeconds = options.clockToleranceSeconds ?? 0;
    if (!Number.isSafeInteger(this.lifetimeSeconds) || this.lifetimeSeconds <= 0)
      throw new Error(`access token lifetime must be above 0 s, got ${this.lifetimeSeconds}`);
    if (!(this.clockToleranceSeconds >= 0)) throw new Error(`clock tolerance must be 0 s or more, got ${this.clockToleranceSeconds}`);
  }

  async verify(token: string, now?: Date): Promise<VerifiedAccessToken> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        issuer: ACCESS_TOKEN_ISSUER,
        audience: ACCESS_TOKEN_AUDIENCE,
        typ: ACCESS_TOKEN_TYPE,
        requiredClaims: ['sub', 'exp', 'iat'],
        // Refuses an `iat` older than the lifetime, or in the future beyond the tolerance: a token
        // signed with a clock set ahead (or forged with the key) cannot live longer than one issued now.
        maxTokenAge: this.lifetimeSeconds,
        currentDate: now,
        clockTolerance: this.clockToleranceSeconds,
      }));
    } catch {
      throw new InvalidAccessTokenError();
    }
    const { sub, roles, exp, iat } = payload;
    if (!isUuid(sub) || typeof exp !== 'number' || typeof iat !== 'number' || !isRoleList(roles)) throw new InvalidAccessTokenError();
    // No token is issued for longer than the issuer's lifetime.
    if (exp - iat > this.lifetimeSeconds + this.clockToleranceSeconds) throw new InvalidAccessTokenError();
    return { userId: sub.toLowerCase(), roles, expiresAt: new Date(exp * 1000) };
  }
}

/** One verification with a verifier made for it; a long-lived caller keeps an `AccessTokenVerifier` instead. */
export function verifyAccessToken(token: string, secret: string, options: VerifyAccessTokenOptions = {}): Promise<VerifiedAccessToken> {
  return new AccessTokenVerifier(secret, options).verify(token, options.now);
}

const isRoleList = (value: unknown): value is AccessTokenRole[] =>
  Array.isArray(value) && value.every((role) => (ACCESS_TOKEN_ROLES as readonly unknown[]).includes(role));
