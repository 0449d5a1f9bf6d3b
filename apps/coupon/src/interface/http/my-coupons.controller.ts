import { Controller, Get, Header, Query } from '@nestjs/common';
import { MyCouponsQuery, type MyCoupon } from '@shop/contracts';
import { CurrentIdentity, RequiresUser, SchemaPipe, type Identity } from '@shop/http';
import { ListMyCouponsHandler } from '../../application/queries/list-my-coupons/list-my-coupons.handler.js';

/**
 * `GET /me/coupons?status=&limit=`: the signed-in user's own coupons, newest first. Whose they are
 * comes from the gateway's identity only, so nobody can list someone else's.
 */
@Controller('me/coupons')
@RequiresUser()
export class MyCouponsController {
  constructor(private readonly listMyCoupons: ListMyCouponsHandler) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  list(@Query(new SchemaPipe(MyCouponsQuery)) query: MyCouponsQuery, @CurrentIdentity() identity: Identity): Promise<MyCoupon[]> {
    return this.listMyCoupons.execute({
      userId: identity.userId,
      // The schema admits only the statuses of the contract and a decimal 1–200.
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.limit === undefined ? {} : { limit: Number(query.limit) }),
    });
  }
}
