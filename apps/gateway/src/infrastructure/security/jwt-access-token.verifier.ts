import { InvalidAccessTokenError, accessTokenKey, verifyAccessToken } from '@shop/auth';
import type { AccessTokenVerifier } from '../../application/ports/access-token-verifier.js';
import type { Caller } from '../../application/ports/service-client.js';

/** Clocks of the user service's and the gateway's hosts may disagree by this much. */
const CLOCK_TOLERANCE_SECONDS = 5;

/** The user service's HS256 access tokens (`@shop/auth`): signature, issuer, audience, type, expiry. */
export class JwtAccessTokenVerifier implements AccessTokenVerifier {
  constructor(private readonly secret: string) {
    accessTokenKey(secret); // refuses a secret too short to be safe, at start rather than on the first call
  }

  async verify(token: string): Promise<Caller | undefined> {
    try {
      const verified = await verifyAccessToken(token, this.secret, { clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS });
      return { userId: verified.userId, roles: verified.roles };
    } catch (error) {
      if (error instanceof InvalidAccessTokenError) return undefined;
      throw error;
    }
  }
}
