import type { IncomingHttpHeaders } from 'node:http';
import { CORRELATION_ID_HEADER, INTERNAL_TOKEN_HEADER } from '@shop/http';
import { hopByHopNames } from '../../application/hop-by-hop-headers.js';

const NEVER_FORWARDED = new Set([
  // Identity reaches a service only as the gateway's own signed token, never from the client.
  INTERNAL_TOKEN_HEADER,
  'authorization',
  'cookie',
  // The gateway re-encodes the body and carries its own correlation id.
  'host',
  'content-length',
  'content-type',
  'content-encoding',
  'expect',
  CORRELATION_ID_HEADER,
  'x-request-id',
  // Set by the gateway from what it saw, not taken from the client.
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
]);

/**
 * The client's headers a service may see: end-to-end ones such as `accept`, `accept-language`,
 * `user-agent`, `idempotency-key`. Everything that speaks about the connection, identity or the
 * encoding of the body stays at the edge, as do headers the client's `Connection` names.
 */
export function forwardedRequestHeaders(headers: IncomingHttpHeaders, clientAddress: string | undefined): Record<string, string> {
  const hopByHop = hopByHopNames(headers['connection']);
  const forwarded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || NEVER_FORWARDED.has(lower) || hopByHop.has(lower)) continue;
    forwarded[lower] = Array.isArray(value) ? value.join(', ') : value;
  }
  if (clientAddress) forwarded['x-forwarded-for'] = clientAddress;
  return forwarded;
}
