import type { FastifyReply } from 'fastify';

/**
 * Says on a list answer whether more remain, the same way on every paged route: `Next-Cursor` and a
 * `Link` whose target is relative (a query only), so it points at the same path behind the gateway's
 * prefix as in front of the service. The next page keeps the page size asked for (or the route's default,
 * named so the client need not know it). The last page (`nextCursor` null) carries neither header. The body
 * stays the contract's plain array.
 */
export function setNextPageHeaders(reply: Pick<FastifyReply, 'header'>, nextCursor: string | null, limit: number): void {
  if (nextCursor === null) return;
  // The cursor is base64url, safe in a URL as it is.
  const next = new URLSearchParams({ cursor: nextCursor, limit: String(limit) });
  reply.header('next-cursor', nextCursor);
  reply.header('link', `<?${next.toString()}>; rel="next"`);
}
