import { Inject, Injectable } from '@nestjs/common';
import type { AdminCouponTemplate } from '@shop/contracts';
import { COUPON_QUERIES } from '../../coupon.di-tokens.js';
import type { CouponQueries } from '../../ports/coupon.queries.js';

/** Every campaign, newest first, with issued, used and remaining counts (admins). */
@Injectable()
export class ListCouponTemplatesHandler {
  constructor(@Inject(COUPON_QUERIES) private readonly queries: CouponQueries) {}

  async execute(): Promise<AdminCouponTemplate[]> {
    return this.queries.listTemplatesWithCounts();
  }
}
