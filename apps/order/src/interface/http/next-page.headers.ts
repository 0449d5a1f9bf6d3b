import type { FastifyReply } from 'fastify';

/**
 * Says on a list answer whether more remain, as points' ledger does: `Next-Cursor` and a `Link` whose
 * target is relative (a query only), so it points at the same path behind the gateway's prefix as in
 * front of the service. The next page keeps the page size asked for (or the route's default, named so
 * the client need not know it). The last page carries neither header.
 */
export function setNextPageHeaders(reply: FastifyReply, nextCursor: string | null, limit: number): void {
  if (nextCursor === null) return;
  // The cursor is base64url, safe in a URL as it is.
  const next = new URLSearchParams({ cursor: nextCursor, limit: String(limit) });
  void reply.header('next-cursor', nextCursor).header('link', `<?${next.toString()}>; rel="next"`);
}
