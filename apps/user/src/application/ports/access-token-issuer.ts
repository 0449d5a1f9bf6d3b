import type { Role } from '../../domain/role.js';

export interface AccessToken {
  readonly accessToken: string;
  /** Seconds from now until the token expires. */
  readonly expiresIn: number;
}

/** Signs the short-lived token a signed-in user presents on every request. */
export interface AccessTokenIssuer {
  issue(userId: string, roles: readonly Role[]): Promise<AccessToken>;
}
