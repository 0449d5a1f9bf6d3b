import { Controller, Get, Header, Query, Res } from '@nestjs/common';
import { POINTS_LEDGER_LIMIT, PointsLedgerQuery, type PointsBalance, type PointsLedgerPage } from '@shop/contracts';
import { CurrentIdentity, RequiresUser, SchemaPipe, type Identity } from '@shop/http';
import type { FastifyReply } from 'fastify';
import { GetMyPointsHandler } from '../../application/queries/get-my-points/get-my-points.handler.js';
import { ListMyPointsLedgerHandler } from '../../application/queries/list-my-points-ledger/list-my-points-ledger.handler.js';

/**
 * `GET /me/points` and `GET /me/points/ledger?cursor=&limit=`: the signed-in user's own balance and
 * ledger. Whose they are comes from the gateway's identity only, so nobody can read someone else's.
 */
@Controller('me/points')
@RequiresUser()
export class MyPointsController {
  constructor(
    private readonly getMyPoints: GetMyPointsHandler,
    private readonly listMyLedger: ListMyPointsLedgerHandler,
  ) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  balance(@CurrentIdentity() identity: Identity): Promise<PointsBalance> {
    return this.getMyPoints.execute({ userId: identity.userId });
  }

  /**
   * Newest first, one page at a time. The body stays a plain array (the contract's shape); whether more
   * remain is said by headers, `Next-Cursor` and a `Link` whose target is relative (a query only), so it
   * points at the same path behind the gateway's prefix as in front of the service. The last page has neither.
   */
  @Get('ledger')
  @Header('Cache-Control', 'no-store')
  async ledger(
    @Query(new SchemaPipe(PointsLedgerQuery)) query: PointsLedgerQuery,
    @CurrentIdentity() identity: Identity,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PointsLedgerPage> {
    // The schema admits only a decimal 1–200 and the cursor's alphabet; the use case decodes the cursor (400 INVALID_CURSOR).
    const limit = query.limit === undefined ? undefined : Number(query.limit);
    const page = await this.listMyLedger.execute({
      userId: identity.userId,
      ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
      ...(limit === undefined ? {} : { limit }),
    });
    if (page.nextCursor !== null) {
      // The cursor is base64url, safe in a URL as it is; the next page keeps the page size asked for (or the default).
      const next = new URLSearchParams({ cursor: page.nextCursor, limit: String(limit ?? POINTS_LEDGER_LIMIT.default) });
      void reply.header('next-cursor', page.nextCursor).header('link', `<?${next.toString()}>; rel="next"`);
    }
    return page.entries;
  }
}
