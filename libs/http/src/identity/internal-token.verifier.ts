import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { systemClock, type Clock } from '@shop/shared-kernel';
import {
  INTERNAL_TOKEN_CLOCK_SKEW_SECONDS,
  INTERNAL_TOKEN_HEADER_SEGMENT,
  INTERNAL_TOKEN_ISSUER,
  INTERNAL_TOKEN_TTL_SECONDS,
  internalTokenKey,
  type Identity,
} from './internal-token.js';
import { SeenTokenIds } from './seen-token-ids.js';

/**
 * Token ids remembered at once: about 9,000 calls a second to one instance for a token's whole life
 * (11 s), beyond what an instance serves; some 15 MB when full.
 */
export const DEFAULT_SEEN_TOKEN_CAPACITY = 100_000;

/** A verified internal token: the user it carries, or none for an anonymous call. */
export interface VerifiedCall {
  readonly identity: Identity | undefined;
}

/** The request as the service received it. */
export interface ReceivedCall {
  readonly method: string;
  /** Path and query from the request line (`request.url`). */
  readonly path: string;
}

export type InternalTokenRefusal =
  | 'malformed'
  | 'bad-signature'
  | 'wrong-issuer'
  | 'wrong-audience'
  | 'wrong-lifetime'
  | 'not-yet-valid'
  | 'expired'
  | 'wrong-method'
  | 'wrong-path'
  | 'bad-identity'
  | 'replayed'
  /** More tokens live at once than the service remembers: refused rather than risk a replay. */
  | 'too-many-live-tokens';

export class InternalTokenRefusedError extends Error {
  constructor(readonly reason: InternalTokenRefusal) {
    super(`internal token refused: ${reason}`);
    this.name = 'InternalTokenRefusedError';
  }
}

export interface InternalTokenVerifierOptions {
  readonly clock?: Clock;
  /** Token ids remembered at once (`DEFAULT_SEEN_TOKEN_CAPACITY`). */
  readonly seenTokenCapacity?: number;
}

/**
 * Service side: accepts only a token the gateway signed (HS256, the exact header it writes) for this
 * service, this method and this path, within its lifetime (and the clock skew), and only once.
 * Throws an `InternalTokenRefusedError` naming the reason on anything else. Synchronous, on a key
 * made once: a few microseconds a call.
 */
export class InternalTokenVerifier {
  private readonly key: KeyObject;
  private readonly clock: Clock;
  private readonly seen: SeenTokenIds;

  constructor(
    secret: string,
    /** This service's name, as the gateway addresses it (`user`). */
    readonly audience: string,
    options: InternalTokenVerifierOptions = {},
  ) {
    this.key = internalTokenKey(secret);
    this.clock = options.clock ?? systemClock;
    this.seen = new SeenTokenIds(options.seenTokenCapacity ?? DEFAULT_SEEN_TOKEN_CAPACITY, this.clock);
  }

  verify(token: string, received: ReceivedCall): VerifiedCall {
    const claims = this.signedClaims(token);
    if (claims['iss'] !== INTERNAL_TOKEN_ISSUER) throw refused('wrong-issuer');
    if (claims['aud'] !== this.audience) throw refused('wrong-audience');
    const { iat, exp, jti } = claims;
    if (!Number.isInteger(iat) || !Number.isInteger(exp)) throw refused('malformed');
    const issuedAt = iat as number;
    const expiresAt = exp as number;
    if (expiresAt <= issuedAt || expiresAt - issuedAt > INTERNAL_TOKEN_TTL_SECONDS) throw refused('wrong-lifetime');
    const now = this.clock.now().getTime() / 1000;
    if (issuedAt > now + INTERNAL_TOKEN_CLOCK_SKEW_SECONDS) throw refused('not-yet-valid');
    if (now >= expiresAt + INTERNAL_TOKEN_CLOCK_SKEW_SECONDS) throw refused('expired');
    if (claims['method'] !== received.method) throw refused('wrong-method');
    if (typeof claims['path'] !== 'string' || !samePath(claims['path'], received.path)) throw refused('wrong-path');
    if (typeof jti !== 'string' || jti === '' || jti.length > 128) throw refused('malformed');
    const identity = identityOf(claims);
    // Last, so that only tokens good in every other way take room.
    const sighting = this.seen.add(jti, (expiresAt + INTERNAL_TOKEN_CLOCK_SKEW_SECONDS) * 1000);
    if (sighting === 'again') throw refused('replayed');
    if (sighting === 'full') throw refused('too-many-live-tokens');
    return { identity };
  }

  /** The claims, once the header is exactly the gateway's and the signature is right. */
  private signedClaims(token: string): Record<string, unknown> {
    const headerEnd = token.indexOf('.');
    const payloadEnd = token.lastIndexOf('.');
    if (headerEnd !== INTERNAL_TOKEN_HEADER_SEGMENT.length || !token.startsWith(INTERNAL_TOKEN_HEADER_SEGMENT) || payloadEnd === headerEnd) {
      throw refused('malformed');
    }
    const signingInput = token.slice(0, payloadEnd);
    const expected = Buffer.from(createHmac('sha256', this.key).update(signingInput).digest('base64url'));
    const given = Buffer.from(token.slice(payloadEnd + 1));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw refused('bad-signature');
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(token.slice(headerEnd + 1, payloadEnd), 'base64url').toString('utf8'));
    } catch {
      throw refused('malformed');
    }
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw refused('malformed');
    return claims as Record<string, unknown>;
  }
}

const refused = (reason: InternalTokenRefusal): InternalTokenRefusedError => new InternalTokenRefusedError(reason);

/**
 * The path the token names and the one received are the same request target. The query counts: it
 * selects what is read or done (`?status=`), and the service sees it in `request.url` anyway. The
 * gateway passes a client's query on as sent, which fetch (WHATWG URL) re-encodes on the way
 * (`"` → `%22`), so when the two differ the queries are compared in that encoding; the paths before
 * them, built by the gateway from the route, must be identical.
 */
function samePath(signed: string, received: string): boolean {
  if (signed === received) return true;
  const signedQuery = signed.indexOf('?');
  const receivedQuery = received.indexOf('?');
  if (signedQuery === -1 || receivedQuery === -1 || signed.slice(0, signedQuery) !== received.slice(0, receivedQuery)) return false;
  const a = encodedQuery(signed.slice(signedQuery));
  return a !== undefined && a === encodedQuery(received.slice(receivedQuery));
}

function encodedQuery(query: string): string | undefined {
  try {
    return new URL(`http://service/${query}`).search;
  } catch {
    return undefined;
  }
}

function identityOf(claims: Record<string, unknown>): Identity | undefined {
  const { sub, roles } = claims;
  if (sub === undefined) return undefined;
  if (typeof sub !== 'string' || sub === '' || !Array.isArray(roles) || !roles.every((role) => typeof role === 'string')) throw refused('bad-identity');
  return { userId: sub, roles: Object.freeze([...(roles as string[])]) };
}
