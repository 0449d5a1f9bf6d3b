import type { IncomingHttpHeaders } from 'node:http';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER } from '@shop/http';

/**
 * The client's headers a service may see, by name; every other one stays at the edge. An allowlist,
 * not a denylist: a header that means something to some server behind us (`X-Real-IP`,
 * `X-Original-URL`, `X-Rewrite-URL`, `X-HTTP-Method-Override`, `X-Forwarded-Host`, `Forwarded`,
 * `X-User-Id`, a forged internal token…) is one nobody thought to deny, so none is passed unless
 * named here. Identity reaches a service only as the gateway's signed token, and the correlation id,
 * the body's encoding and its length are the gateway's (the body is re-encoded as JSON, but for a
 * `signedBody` route, whose bytes go on as they came with the headers that route names besides these).
 */
const FORWARDED_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  // Content negotiation: a service picks the representation and the language of its answer.
  'accept',
  'accept-language',
  // Conditional requests: optimistic concurrency (`If-Match` on an ETag) and cache validation.
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  // `POST /orders` and `POST /payments` answer a retried key with the first answer (DESIGN §7).
  IDEMPOTENCY_KEY_HEADER,
  // Informational only (logged with a login or an order); no service decides anything on it.
  'user-agent',
  // W3C trace context, so a trace crosses the gateway (issue 13); both are opaque to the services.
  'traceparent',
  'tracestate',
]);

/**
 * What a service's answer may carry back to the client, by name. The gateway sets its own
 * correlation id, security headers, length and rate-limit headers; a service's `Server`,
 * `X-Powered-By`, `Set-Cookie` (the API is bearer tokens, no service sets a cookie on the gateway's
 * origin) or any internal header of its own never reaches the client.
 */
const RETURNED_RESPONSE_HEADERS: ReadonlySet<string> = new Set([
  // What the body is.
  'content-type',
  'content-language',
  // Caching: the login answer's `no-store` among them, and validators for conditional requests.
  'cache-control',
  'expires',
  'pragma',
  'vary',
  'etag',
  'last-modified',
  // Where a created resource lives (201), what a 405 allows, how to authenticate after a 401.
  'location',
  'allow',
  'www-authenticate',
  // A service's own 429 / 503 (an account's login lock, an idempotent request in progress).
  'retry-after',
  // `true` on an answer replayed for an `Idempotency-Key` seen before.
  IDEMPOTENT_REPLAYED_HEADER,
  // A paged answer's next page (`GET /me/points/ledger`): a relative `Link` resolves behind the gateway too.
  'link',
  'next-cursor',
]);

const firstOrJoined = (value: string | string[]): string => (Array.isArray(value) ? value.join(', ') : value);

/**
 * The headers sent on to a service: the client's end-to-end headers named in the allowlist above
 * (hop-by-hop ones are never in it, whatever the client's `Connection` says), those the route itself
 * names (`also`: a `signedBody` route's signature header, which `defineContext` keeps clear of
 * credentials, framing, hop-by-hop and forwarding headers), and `X-Forwarded-For` set to the client's
 * address as the gateway determined it from its trusted hops — the client's own `X-Forwarded-For` is
 * never passed on.
 */
export function forwardedRequestHeaders(headers: IncomingHttpHeaders, clientAddress: string | undefined, also: readonly string[] = []): Record<string, string> {
  const forwarded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value !== undefined && (FORWARDED_REQUEST_HEADERS.has(lower) || also.includes(lower))) forwarded[lower] = firstOrJoined(value);
  }
  if (clientAddress) forwarded['x-forwarded-for'] = clientAddress;
  return forwarded;
}

/**
 * The headers of a service's answer passed back to the client: those named in the allowlist above,
 * in their order, repeated ones kept; hop-by-hop ones (or any the answer's `Connection` names) are
 * never in it. Takes name/value pairs (the service client's `[name, value][]`) or a header record (node:http).
 */
export function returnedResponseHeaders(
  headers: Iterable<readonly [string, string]> | Readonly<Record<string, string | string[] | undefined>>,
): [string, string][] {
  const pairs: Iterable<readonly [string, string | string[] | undefined]> =
    Symbol.iterator in headers ? (headers as Iterable<readonly [string, string]>) : Object.entries(headers);
  const returned: [string, string][] = [];
  for (const [name, value] of pairs) {
    const lower = name.toLowerCase();
    if (value === undefined || !RETURNED_RESPONSE_HEADERS.has(lower)) continue;
    for (const one of Array.isArray(value) ? value : [value]) returned.push([lower, one]);
  }
  return returned;
}
