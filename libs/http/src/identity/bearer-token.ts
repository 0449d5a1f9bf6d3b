/** RFC 6750 §2.1 b64token: what a client can send after `Bearer `. */
export const BEARER_TOKEN_PATTERN = /^[A-Za-z0-9\-._~+/]+=*$/;

// `Bearer` (any case), one or more spaces, a b64token, trailing spaces tolerated.
const BEARER_CREDENTIALS = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The token of an `Authorization: Bearer <token>` header; `undefined` for anything else (no header, another scheme, a malformed token). */
export function bearerTokenOf(authorization: string | undefined): string | undefined {
  return authorization === undefined ? undefined : BEARER_CREDENTIALS.exec(authorization)?.[1];
}
