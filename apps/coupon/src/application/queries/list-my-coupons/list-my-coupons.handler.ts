import { Inject, Injectable } from '@nestjs/common';
import { MY_COUPONS_LIMIT, type MyCoupon } from '@shop/contracts';
import { InvalidValueError, pageLimit, type Clock } from '@shop/shared-kernel';
import { COUPON_STATUSES } from '../../../domain/coupon.js';
import { COUPON_CLOCK, COUPON_QUERIES } from '../../coupon.di-tokens.js';
import type { CouponQueries } from '../../ports/coupon.queries.js';
import type { ListMyCouponsQuery } from './list-my-coupons.query.js';

/** The signed-in user's coupons, newest first, optionally of one status (one past its end shows EXPIRED before the expiry job moves it). */
@Injectable()
export class ListMyCouponsHandler {
  constructor(
    @Inject(COUPON_QUERIES) private readonly queries: CouponQueries,
    @Inject(COUPON_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(query: ListMyCouponsQuery): Promise<MyCoupon[]> {
    const limit = pageLimit(query.limit, MY_COUPONS_LIMIT);
    if (query.status !== undefined && !COUPON_STATUSES.includes(query.status))
      throw new InvalidValueError('status', `must be one of ${COUPON_STATUSES.join(', ')}, got ${String(query.status)}`);
    return this.queries.listOwnedBy(query.userId, query.status, limit, this.clock.now());
  }
}
