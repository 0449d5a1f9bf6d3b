import { Inject, Injectable } from '@nestjs/common';
import { UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { CouponNotFoundError } from '../../../domain/coupon.errors.js';
import { COUPON_CLOCK, COUPON_REPOSITORY, COUPON_RESERVATION_REPOSITORY } from '../../coupon.di-tokens.js';
import type { CouponRepository } from '../../ports/coupon.repository.js';
import type { CouponReservationRepository } from '../../ports/coupon-reservation.repository.js';
import type { ConfirmCouponUseCommand, ConfirmCouponUseResult } from './confirm-coupon-use.command.js';

/** The saga's *confirm*: the order was paid, its coupon is USED. Idempotent by order id. */
@Injectable()
export class ConfirmCouponUseHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(COUPON_RESERVATION_REPOSITORY) private readonly reservations: CouponReservationRepository,
    @Inject(COUPON_REPOSITORY) private readonly coupons: CouponRepository,
    @Inject(COUPON_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: ConfirmCouponUseCommand): Promise<ConfirmCouponUseResult> {
    return this.unitOfWork.run(async () => {
      const now = this.clock.now();
      const reservation = await this.reservations.findForUpdate(command.orderId);
      if (reservation?.status !== 'RESERVED') return { outcome: 'ignored', status: reservation?.status ?? null };

      const coupon = await this.coupons.findByIdForUpdate(reservation.couponId!);
      // A reserved coupon cannot vanish (coupons are never deleted): this is a broken store, not a business case.
      if (!coupon) throw new CouponNotFoundError(reservation.couponId!);
      coupon.confirmUse(command.orderId, now);
      reservation.confirm(now);
      await this.coupons.save(coupon);
      await this.reservations.save(reservation);
      return { outcome: 'confirmed' };
    });
  }
}
