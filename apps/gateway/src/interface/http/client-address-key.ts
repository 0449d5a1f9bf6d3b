import { isIPv4, isIPv6 } from 'node:net';
import type { GatewayRequest } from './gateway-request.js';

/** The request's client address (the socket's, or from trusted proxies' X-Forwarded-For), as a rate-limit key. */
export const clientAddressKeyOfRequest = (request: Pick<GatewayRequest, 'ip' | 'socket'>): string =>
  clientAddressKeyOf(request.ip ?? request.socket?.remoteAddress ?? 'unknown');

/**
 * The key an address is counted under by the per-address limits: an IPv4 address as it is; an IPv6
 * address by its /64 prefix, since one client (a home, a phone, a cloud host) is usually handed a
 * whole /64 and could otherwise take a fresh address per request; an IPv4-mapped IPv6 address
 * (`::ffff:192.0.2.1`, what a dual-stack socket reports) as the IPv4 address. Anything else is
 * kept as it came.
 */
export function clientAddressKeyOf(address: string): string {
  const bare = address.replace(/%.*$/, '');
  if (!isIPv6(bare)) return address;
  const groups = ipv6Groups(bare);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail read as two groups). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (isIPv4(tail)) {
    const [a, b, c, d] = tail.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const parse = (part: string | undefined): number[] => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const front = parse(head);
  if (rest === undefined) return front;
  const back = parse(rest);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}
