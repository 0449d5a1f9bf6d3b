import { Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import type { ClaimCouponResponse, ClaimableCouponTemplate } from '@shop/contracts';
import { CurrentIdentity, Idempotent, RequiresUser, uuidParam, type Identity, type UuidParams } from '@shop/http';
import { ClaimCouponHandler } from '../../application/commands/claim-coupon/claim-coupon.handler.js';
import { ListClaimableCouponTemplatesHandler } from '../../application/queries/list-claimable-coupon-templates/list-claimable-coupon-templates.handler.js';

/**
 * What a signed-in customer can claim, and the claim itself (the flash-sale path). The claimant is the
 * gateway's signed identity alone, never a field of the request.
 */
@Controller('coupon-templates')
@RequiresUser()
export class CouponTemplatesController {
  constructor(
    private readonly listClaimable: ListClaimableCouponTemplatesHandler,
    private readonly claimCoupon: ClaimCouponHandler,
  ) {}

  @Get()
  list(): Promise<ClaimableCouponTemplate[]> {
    return this.listClaimable.execute();
  }

  /**
   * 409 `SOLD_OUT`, `LIMIT_REACHED` or `NOT_CLAIMABLE` (paused, outside its window, unknown): see couponErrorStatuses.
   * A client whose claim timed out (at the gateway, say) cannot tell whether it committed: retried with
   * the same `Idempotency-Key` it answers the first coupon, not a second one a per-user limit above 1
   * would allow. Without the header (the flash sale's usual case) nothing is stored.
   */
  @Post(':templateId/claim')
  @HttpCode(HttpStatus.CREATED)
  @Idempotent()
  claim(@Param(uuidParam('templateId')) params: UuidParams<'templateId'>, @CurrentIdentity() identity: Identity): Promise<ClaimCouponResponse> {
    return this.claimCoupon.execute({ templateId: params.templateId, userId: identity.userId });
  }
}
