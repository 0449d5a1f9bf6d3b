import type { Role } from '../../domain/role.js';
import type { AccessToken, AccessTokenIssuer } from '../ports/access-token-issuer.js';

export class FakeAccessTokenIssuer implements AccessTokenIssuer {
  async issue(userId: string, roles: readonly Role[]): Promise<AccessToken> {
    return { accessToken: `token:${userId}:${roles.join(',')}`, expiresIn: 3600 };
  }
}
