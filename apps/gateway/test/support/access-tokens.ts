import { randomUUID } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, ACCESS_TOKEN_TYPE } from '@shop/auth';

export const JWT_SECRET = 'a-jwt-secret-of-at-least-32-bytes-for-tests';
export const INTERNAL_AUTH_SECRET = 'an-internal-secret-of-at-least-32-bytes!';

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

export interface TokenChange {
  readonly claims?: JWTPayload;
  readonly header?: Record<string, unknown>;
  readonly secret?: string;
}

/** An access token as the user service signs it, with one thing changed when asked. */
export function accessToken(userId: string = randomUUID(), change: TokenChange = {}): Promise<string> {
  const claims: JWTPayload = {
    iss: ACCESS_TOKEN_ISSUER,
    aud: ACCESS_TOKEN_AUDIENCE,
    sub: userId,
    roles: ['customer'],
    iat: nowSeconds(),
    exp: nowSeconds() + 900,
    ...change.claims,
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: ACCESS_TOKEN_TYPE, ...change.header } as { alg: string })
    .sign(new TextEncoder().encode(change.secret ?? JWT_SECRET));
}

/** Valid claims of an admin, for the tokens below that no verifier may accept. */
const adminClaimsOf = (userId: string) => ({
  iss: ACCESS_TOKEN_ISSUER,
  aud: ACCESS_TOKEN_AUDIENCE,
  sub: userId,
  roles: ['admin'],
  iat: nowSeconds(),
  exp: nowSeconds() + 900,
});

/** The same claims, unsigned (`alg: none`). */
export function unsignedAccessToken(userId: string = randomUUID()): string {
  const header = base64url({ alg: 'none', typ: ACCESS_TOKEN_TYPE });
  const payload = base64url(adminClaimsOf(userId));
  return `${header}.${payload}.`;
}

/** A valid token whose payload was changed after signing (a customer made admin). */
export async function tamperedAccessToken(userId: string = randomUUID()): Promise<string> {
  const [header, , signature] = (await accessToken(userId)).split('.');
  const payload = base64url(adminClaimsOf(userId));
  return `${header}.${payload}.${signature}`;
}
