import { createSecretKey, type KeyObject } from 'node:crypto';

/**
 * The token the gateway attaches to every call it forwards to a service: who the user is (or that
 * the call is anonymous), signed with the secret the gateway and the services share, for one call
 * only: the service it goes to (`aud`), the method and the path with its query (`method`, `path`),
 * for a few seconds, and once (`jti`).
 */
export const INTERNAL_TOKEN_HEADER = 'x-shop-internal-token';
export const INTERNAL_TOKEN_ISSUER = 'shop-gateway';
// A distinct `typ` keeps a user's access token from passing as an internal one, whatever key signed it.
export const INTERNAL_TOKEN_TYPE = 'shop-internal+jwt';
export const INTERNAL_TOKEN_ALGORITHM = 'HS256';
/** The gateway signs just before it sends: a few seconds covers the trip, little is left for a replay. */
export const INTERNAL_TOKEN_TTL_SECONDS = 10;
/** How far the clocks of the gateway's and a service's hosts may disagree. */
export const INTERNAL_TOKEN_CLOCK_SKEW_SECONDS = 1;

/** HS256 wants a key at least as long as its hash (RFC 7518 §3.2). */
export const MIN_INTERNAL_SECRET_BYTES = 32;

/** The signed-in user a request acts for. */
export interface Identity {
  readonly userId: string;
  readonly roles: readonly string[];
}

/** The one call a token is good for. */
export interface InternalCall {
  /** The service it is sent to, as named in `CONTEXTS` (`user`). */
  readonly audience: string;
  /** `GET`, `POST`… */
  readonly method: string;
  /** Path and query as the request line carries them: `/me/coupons?status=ACTIVE`. */
  readonly path: string;
}

/** The claims of an internal token, as signed. */
export interface InternalTokenClaims {
  readonly iss: string;
  readonly aud: string;
  readonly sub?: string;
  readonly roles?: readonly string[];
  readonly method: string;
  readonly path: string;
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
}

/** The HMAC key, made once at start: building it per request was most of the cost of a token. */
export function internalTokenKey(secret: string): KeyObject {
  const bytes = Buffer.from(secret, 'utf8');
  if (bytes.byteLength < MIN_INTERNAL_SECRET_BYTES) {
    throw new Error(`INTERNAL_AUTH_SECRET must be at least ${MIN_INTERNAL_SECRET_BYTES} bytes (it has ${bytes.byteLength})`);
  }
  return createSecretKey(bytes);
}

/**
 * The JWS header of every internal token, encoded once. The verifier accepts this exact segment and
 * nothing else, so no `alg: none`, no other algorithm and no other `typ` can get through.
 */
export const INTERNAL_TOKEN_HEADER_SEGMENT = Buffer.from(JSON.stringify({ alg: INTERNAL_TOKEN_ALGORITHM, typ: INTERNAL_TOKEN_TYPE })).toString('base64url');
