import type { AdminCouponTemplate, ClaimableCouponTemplate, CouponStatus, MyCoupon } from '@shop/contracts';

/** The read side: answers straight from the store in the shapes of the HTTP contract. */
export interface CouponQueries {
  /** Every template, newest first, with `issued` (its counter) and `used` (its coupons now USED). */
  listTemplatesWithCounts(): Promise<AdminCouponTemplate[]>;
  /**
   * The templates a customer can claim at `now`, newest first: ACTIVE, inside their claim window (from
   * `claimStartsAt` inclusive to `claimEndsAt` exclusive), fixed validity not ended, stock remaining,
   * not a welcome campaign (`grantOnRegister`: granted on registration only).
   */
  listClaimable(now: Date): Promise<ClaimableCouponTemplate[]>;
  /**
   * The user's coupons, newest issued first, of one status or all, at most `limit`. A coupon stored
   * AVAILABLE whose window has ended at `now` (`validUntil <= now`) is shown, and filtered, as EXPIRED:
   * the expiry job moves it only later.
   */
  listOwnedBy(userId: string, status: CouponStatus | undefined, limit: number, now: Date): Promise<MyCoupon[]>;
}
