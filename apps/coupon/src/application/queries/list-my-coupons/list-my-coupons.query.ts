import type { CouponStatus } from '../../../domain/coupon.js';

export interface ListMyCouponsQuery {
  /** The signed-in user, as the gateway vouches for. */
  readonly userId: string;
  /** Only coupons of this status; all when absent. */
  readonly status?: CouponStatus;
  /** 1–200 (`MY_COUPONS_LIMIT`), default 100. */
  readonly limit?: number;
}
