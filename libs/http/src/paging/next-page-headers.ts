import type { FastifyReply } from 'fastify';

/**
 * Says on a list answer whether more remain, the same way on every paged route: `Next-Cursor` and a
 * `Link` whose target is relative (a query only), so it points at the same path behind the gateway's
 * prefix as in front of the service. The next page keeps the page size asked for (or the route's default,
 * named so the client need not know it), and the filters named in `keep` (`{ status: 'REFUNDING' }`; an
 * undefined one is left out), written before them, so that the next page lists what this one did. The last
 * page (`nextCursor` null) carries neither header. The body stays the contract's plain array.
 */
export function setNextPageHeaders(
  reply: Pick<FastifyReply, 'header'>,
  nextCursor: string | null,
  limit: number,
  keep: Readonly<Record<string, string | undefined>> = {},
): void {
  if (nextCursor === null) return;
  const next = new URLSearchParams();
  for (const [name, value] of Object.entries(keep)) {
    if (name === 'cursor' || name === 'limit') throw new Error(`setNextPageHeaders: '${name}' is the page's own, not a filter to keep`);
    if (value !== undefined) next.append(name, value);
  }
  // The cursor is base64url, safe in a URL as it is.
  next.append('cursor', nextCursor);
  next.append('limit', String(limit));
  reply.header('next-cursor', nextCursor);
  reply.header('link', `<?${next.toString()}>; rel="next"`);
}
