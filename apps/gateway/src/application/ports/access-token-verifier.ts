import type { Caller } from './service-client.js';

/** Checks a client's bearer access token. */
export interface AccessTokenVerifier {
  /** Who the token speaks for, or `undefined` for any token that is not a valid, current one (never why). */
  verify(token: string): Promise<Caller | undefined>;
}
