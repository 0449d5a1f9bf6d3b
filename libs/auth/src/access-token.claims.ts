/**
 * What an access token says and how it is signed: shared by the issuer (user service) and the
 * verifier (gateway). Only this algorithm is ever accepted; a token that names another, `none`
 * included, is refused before its signature is looked at.
 */
export const ACCESS_TOKEN_ALGORITHM = 'HS256';
export const ACCESS_TOKEN_ISSUER = 'shop';
export const ACCESS_TOKEN_AUDIENCE = 'shop-api';
/** RFC 9068's media type for JWT access tokens: keeps an ID token or any other JWT from passing as one. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
/** HS256 needs a key at least as long as its output (RFC 7518 §3.2). */
export const ACCESS_TOKEN_SECRET_MIN_BYTES = 32;
export const ACCESS_TOKEN_ROLES = ['customer', 'admin'] as const;
/** How long an access token lives unless `JWT_EXPIRES_IN_SECONDS` says otherwise (issuer and verifier read the same variable). */
export const ACCESS_TOKEN_DEFAULT_LIFETIME_SECONDS = 3600;

export type AccessTokenRole = (typeof ACCESS_TOKEN_ROLES)[number];

/** The signing key from the shared secret (`JWT_SECRET`); refuses one too short to be safe. */
export function accessTokenKey(secret: string): Uint8Array {
  const key = new TextEncoder().encode(secret);
  if (key.byteLength < ACCESS_TOKEN_SECRET_MIN_BYTES) {
    throw new Error(`JWT_SECRET must be at least ${ACCESS_TOKEN_SECRET_MIN_BYTES} bytes long, got ${key.byteLength}`);
  }
  return key;
}
