import { SignJWT } from 'jose';
import { newId, systemClock, type Clock } from '@shop/shared-kernel';
import type { AccessToken, AccessTokenIssuer } from '../../application/ports/access-token-issuer.js';
import type { Role } from '../../domain/role.js';
import {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_DEFAULT_LIFETIME_SECONDS,
  ACCESS_TOKEN_ISSUER,
  ACCESS_TOKEN_TYPE,
  accessTokenKey,
} from '@shop/auth';

export interface AccessTokenSettings {
  /** `JWT_SECRET`: at least 32 bytes. */
  readonly secret: string;
  /** `JWT_EXPIRES_IN_SECONDS`. */
  readonly expiresInSeconds: number;
}

/** The gateway's verifier assumes the same default: no token older or longer-lived than this is taken. */
export const DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS = ACCESS_TOKEN_DEFAULT_LIFETIME_SECONDS;

/** Signs access tokens (JWT, HS256) with `jose`: subject = user id, `roles` = the user's roles. */
export class JoseAccessTokenIssuer implements AccessTokenIssuer {
  private readonly key: Uint8Array;
  private readonly expiresInSeconds: number;

  constructor(
    settings: AccessTokenSettings,
    private readonly clock: Clock = systemClock,
  ) {
    this.key = accessTokenKey(settings.secret);
    if (!Number.isSafeInteger(settings.expiresInSeconds) || settings.expiresInSeconds <= 0) {
      throw new Error(`JWT_EXPIRES_IN_SECONDS must be a whole number of seconds above 0, got ${settings.expiresInSeconds}`);
    }
    this.expiresInSeconds = settings.expiresInSeconds;
  }

  async issue(userId: string, roles: readonly Role[]): Promise<AccessToken> {
    const issuedAt = Math.floor(this.clock.now().getTime() / 1000);
    const accessToken = await new SignJWT({ roles: [...roles] })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, typ: ACCESS_TOKEN_TYPE })
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setSubject(userId)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.expiresInSeconds)
      .setJti(newId())
      .sign(this.key);
    return { accessToken, expiresIn: this.expiresInSeconds };
  }
}
