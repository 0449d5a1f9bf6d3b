import { jwtVerify, type JWTPayload } from 'jose';
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

/** Clocks of the gateway's and the services' hosts may disagree by this much. */
const CLOCK_TOLERANCE_SECONDS = 5;

/** A verified internal token: the user it carries, or none for an anonymous call. */
export interface VerifiedCall {
  readonly identity: Identity | undefined;
}

/**
 * Service side: accepts only tokens the gateway signed for the services, HS256 alone, not expired
 * and not older than their lifetime. Throws on anything else.
 */
export class InternalTokenVerifier {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly clock: Clock = systemClock,
  ) {
    this.key = internalTokenKey(secret);
  }

  async verify(token: string): Promise<VerifiedCall> {
    const { payload } = await jwtVerify(token, this.key, {
      algorithms: [INTERNAL_TOKEN_ALGORITHM],
      issuer: INTERNAL_TOKEN_ISSUER,
      audience: INTERNAL_TOKEN_AUDIENCE,
      typ: INTERNAL_TOKEN_TYPE,
      requiredClaims: ['iat', 'exp'],
      maxTokenAge: INTERNAL_TOKEN_TTL_SECONDS + CLOCK_TOLERANCE_SECONDS,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: this.clock.now(),
    });
    return { identity: identityOf(payload) };
  }
}

function identityOf(payload: JWTPayload): Identity | undefined {
  if (payload.sub === undefined) return undefined;
  const roles = payload['roles'];
  if (payload.sub === '' || !Array.isArray(roles) || !roles.every((role) => typeof role === 'string')) {
    throw new Error('internal token: a user token needs a non-empty sub and roles as strings');
  }
  return { userId: payload.sub, roles: Object.freeze([...roles]) };
}
