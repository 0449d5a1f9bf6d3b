import { SignJWT } from 'jose';
import { systemClock, type Clock } from '@shop/shared-kernel';
import {
  INTERNAL_TOKEN_ALGORITHM,
  INTERNAL_TOKEN_AUDIENCE,
  INTERNAL_TOKEN_ISSUER,
  INTERNAL_TOKEN_TTL_SECONDS,
  INTERNAL_TOKEN_TYPE,
  internalTokenKey,
  type Identity,
} from './internal-token.js';

/** Gateway side: signs the internal token for one forwarded call. */
export class InternalTokenIssuer {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly clock: Clock = systemClock,
  ) {
    this.key = internalTokenKey(secret);
  }

  /** For a signed-in user, or without an identity for an anonymous call (register, login). */
  issue(identity?: Identity): Promise<string> {
    const issuedAt = Math.floor(this.clock.now().getTime() / 1000);
    const token = new SignJWT(identity ? { roles: [...identity.roles] } : {})
      .setProtectedHeader({ alg: INTERNAL_TOKEN_ALGORITHM, typ: INTERNAL_TOKEN_TYPE })
      .setIssuer(INTERNAL_TOKEN_ISSUER)
      .setAudience(INTERNAL_TOKEN_AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + INTERNAL_TOKEN_TTL_SECONDS);
    if (identity) token.setSubject(identity.userId);
    return token.sign(this.key);
  }
}
