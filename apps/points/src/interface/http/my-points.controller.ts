import { Controller, Get, Header, Query, Res } from '@nestjs/common';
import { POINTS_LEDGER_LIMIT, PointsLedgerQuery, type PointsBalance, type PointsLedgerPage } from '@shop/contracts';
import { CurrentIdentity, RequiresUser, SchemaPipe, setNextPageHeaders, type Identity } from '@shop/http';
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

  /** Newest first, one page at a time; whether more remain is said by `Next-Cursor` and a relative `Link` (setNextPageHeaders). */
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
    setNextPageHeaders(reply, page.nextCursor, limit ?? POINTS_LEDGER_LIMIT.default);
    return page.entries;
  }
}
