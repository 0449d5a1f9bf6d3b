import { Inject, Injectable } from '@nestjs/common';
import { InvalidValueError, type Clock } from '@shop/shared-kernel';
import { COUPON_CLOCK, COUPON_EXPIRY } from '../../coupon.di-tokens.js';
import type { CouponExpiry } from '../../ports/coupon-expiry.js';
import type { ExpireCouponsCommand } from './expire-coupons.command.js';

/** AVAILABLE coupons whose window has ended become EXPIRED, a bounded batch at a time; answers how many. */
@Injectable()
export class ExpireCouponsHandler {
  constructor(
    @Inject(COUPON_EXPIRY) private readonly expiry: CouponExpiry,
    @Inject(COUPON_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: ExpireCouponsCommand): Promise<number> {
    if (!Number.isSafeInteger(command.limit) || command.limit < 1) throw new InvalidValueError('limit', `must be a whole number ≥ 1, got ${command.limit}`);
    return this.expiry.expireDue(this.clock.now(), command.limit);
  }
}
