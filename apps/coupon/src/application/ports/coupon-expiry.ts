/**
 * Moves AVAILABLE coupons whose window has ended (`validUntil <= now`) to EXPIRED, in bulk. Never
 * touches a LOCKED coupon (its order decides), nor a USED one. Safe with several instances running it
 * at once (rows another instance is expiring are skipped, not waited for).
 */
export interface CouponExpiry {
  /** Expires at most `limit` coupons in one transaction; answers how many it expired. */
  expireDue(now: Date, limit: number): Promise<number>;
}
