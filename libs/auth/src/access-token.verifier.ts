import { jwtVerify } from 'jose';
import { DomainError, isUuid } from '@shop/shared-kernel';
import {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_AUDIENCE,
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

export interface VerifyAccessTokenOptions {
  /** The moment to check expiry against; now by default. */
  readonly now?: Date;
  /** Leeway for clocks that disagree a little, in seconds (default 0). */
  readonly clockToleranceSeconds?: number;
}

/** Any token that is not a valid, current access token of this shop. Says nothing about why. */
export class InvalidAccessTokenError extends DomainError {
  constructor() {
    super('INVALID_ACCESS_TOKEN', 'the access token is missing, malformed, expired or not signed by this shop');
  }
}

/**
 * Checks an access token's signature (HS256 only), issuer, audience, type, expiry and claims, and
 * returns who it speaks for.
 */
export async function verifyAccessToken(token: string, secret: string, options: VerifyAccessTokenOptions = {}): Promise<VerifiedAccessToken> {
  const key = accessTokenKey(secret);
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      issuer: ACCESS_TOKEN_ISSUER,
      audience: ACCESS_TOKEN_AUDIENCE,
      typ: ACCESS_TOKEN_TYPE,
      requiredClaims: ['sub', 'exp', 'iat'],
      currentDate: options.now,
      clockTolerance: options.clockToleranceSeconds ?? 0,
    }));
  } catch {
    throw new InvalidAccessTokenError();
  }
  const { sub, roles, exp } = payload;
  if (!isUuid(sub) || typeof exp !== 'number' || !isRoleList(roles)) throw new InvalidAccessTokenError();
  return { userId: sub.toLowerCase(), roles, expiresAt: new Date(exp * 1000) };
}

const isRoleList = (value: unknown): value is AccessTokenRole[] =>
  Array.isArray(value) && value.every((role) => (ACCESS_TOKEN_ROLES as readonly unknown[]).includes(role));
