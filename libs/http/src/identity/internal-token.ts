/**
 * The token the gateway attaches to every call it forwards to a service: who the user is (or that
 * the call is anonymous), signed with the secret the gateway and the services share.
 */
export const INTERNAL_TOKEN_HEADER = 'x-shop-internal-token';
export const INTERNAL_TOKEN_ISSUER = 'shop-gateway';
export const INTERNAL_TOKEN_AUDIENCE = 'shop-services';
// A distinct `typ` keeps a user's access token from passing as an internal one, whatever key signed it.
export const INTERNAL_TOKEN_TYPE = 'shop-internal+jwt';
export const INTERNAL_TOKEN_ALGORITHM = 'HS256';
export const INTERNAL_TOKEN_TTL_SECONDS = 60;

/** HS256 wants a key at least as long as its hash (RFC 7518 §3.2). */
export const MIN_INTERNAL_SECRET_BYTES = 32;

/** The signed-in user a request acts for. */
export interface Identity {
  readonly userId: string;
  readonly roles: readonly string[];
}

export function internalTokenKey(secret: string): Uint8Array {
  const key = new TextEncoder().encode(secret);
  if (key.byteLength < MIN_INTERNAL_SECRET_BYTES) {
    throw new Error(`INTERNAL_AUTH_SECRET must be at least ${MIN_INTERNAL_SECRET_BYTES} bytes (it has ${key.byteLength})`);
  }
  return key;
}
