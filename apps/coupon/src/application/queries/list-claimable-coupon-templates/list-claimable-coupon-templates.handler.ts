import { Inject, Injectable } from '@nestjs/common';
import type { ClaimableCouponTemplate } from '@shop/contracts';
import type { Clock } from '@shop/shared-kernel';
import { COUPON_CLOCK, COUPON_QUERIES } from '../../coupon.di-tokens.js';
import type { CouponQueries } from '../../ports/coupon.queries.js';

/** The campaigns a customer can claim from right now, with their remaining stock. */
@Injectable()
export class ListClaimableCouponTemplatesHandler {
  constructor(
    @Inject(COUPON_QUERIES) private readonly queries: CouponQueries,
    @Inject(COUPON_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(): Promise<ClaimableCouponTemplate[]> {
    return this.queries.listClaimable(this.clock.now());
  }
}
