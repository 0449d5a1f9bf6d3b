import { createHmac, randomUUID, type KeyObject } from 'node:crypto';
import { systemClock, type Clock } from '@shop/shared-kernel';
import {
  INTERNAL_TOKEN_HEADER_SEGMENT,
  INTERNAL_TOKEN_ISSUER,
  INTERNAL_TOKEN_TTL_SECONDS,
  internalTokenKey,
  type Identity,
  type InternalCall,
  type InternalTokenClaims,
} from './internal-token.js';

/**
 * Gateway side: signs the internal token for one forwarded call (HS256 JWS, compact). Signed with
 * node:crypto's HMAC on a key made once, synchronously: a few microseconds, where signing through
 * WebCrypto with the key imported on every call took hundreds.
 */
export class InternalTokenIssuer {
  private readonly key: KeyObject;

  constructor(
    secret: string,
    private readonly clock: Clock = systemClock,
  ) {
    this.key = internalTokenKey(secret);
  }

  /** For `call` alone; for a signed-in user, or without an identity for an anonymous call (register, login). */
  issue(call: InternalCall, identity?: Identity): string {
    const issuedAt = Math.floor(this.clock.now().getTime() / 1000);
    const claims: InternalTokenClaims = {
      iss: INTERNAL_TOKEN_ISSUER,
      aud: call.audience,
      ...(identity ? { sub: identity.userId, roles: [...identity.roles] } : {}),
      method: call.method,
      path: call.path,
      iat: issuedAt,
      exp: issuedAt + INTERNAL_TOKEN_TTL_SECONDS,
      jti: randomUUID(),
    };
    const signingInput = `${INTERNAL_TOKEN_HEADER_SEGMENT}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return `${signingInput}.${createHmac('sha256', this.key).update(signingInput).digest('base64url')}`;
  }
}
