import type { InMemoryUnitOfWork } from '@shop/testing';
import type { CouponExpiry } from '../ports/coupon-expiry.js';
import type { InMemoryCouponRepository } from './in-memory-coupon.repository.js';

/** The bulk expiry over the coupon fake: the oldest-ending AVAILABLE coupons past their window first, at most `limit`. */
export class InMemoryCouponExpiry implements CouponExpiry {
  constructor(
    private readonly unitOfWork: InMemoryUnitOfWork,
    private readonly coupons: InMemoryCouponRepository,
  ) {}

  async expireDue(now: Date, limit: number): Promise<number> {
    return this.unitOfWork.run(async () => {
      const due = this.coupons
        .all()
        .filter((coupon) => coupon.status === 'AVAILABLE' && coupon.hasEndedBy(now))
        .sort((a, b) => a.validUntil.getTime() - b.validUntil.getTime())
        .slice(0, limit);
      for (const coupon of due) {
        coupon.expire(now);
        await this.coupons.save(coupon);
      }
      return due.length;
    });
  }
}
