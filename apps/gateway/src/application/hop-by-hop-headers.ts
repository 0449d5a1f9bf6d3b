/**
 * Headers that describe one connection, not the message (RFC 9110 §7.6.1). Never passed from one
 * side to the other: not from the client to a service (interface), nor from a service's answer back
 * (infrastructure). The one list of them in the gateway.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Hop-by-hop by definition, or named in the message's own `Connection` header. */
export function hopByHopNames(connectionHeader: string | null | undefined): ReadonlySet<string> {
  const named = (connectionHeader ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  return new Set([...HOP_BY_HOP, ...named]);
}
