import { Inject, Injectable } from '@nestjs/common';
import { UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { CouponNotFoundError } from '../../../domain/coupon.errors.js';
import { COUPON_CLOCK, COUPON_REPOSITORY, COUPON_RESERVATION_REPOSITORY } from '../../coupon.di-tokens.js';
import type { CouponRepository } from '../../ports/coupon.repository.js';
import type { CouponReservationRepository } from '../../ports/coupon-reservation.repository.js';
import type { ReturnCouponAfterRefundCommand, ReturnCouponAfterRefundResult } from './return-coupon-after-refund.command.js';

/**
 * The paid order was refunded: its coupon goes back to its owner, AVAILABLE while its window lasts,
 * else EXPIRED. Idempotent by order id.
 */
@Injectable()
export class ReturnCouponAfterRefundHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(COUPON_RESERVATION_REPOSITORY) private readonly reservations: CouponReservationRepository,
    @Inject(COUPON_REPOSITORY) private readonly coupons: CouponRepository,
    @Inject(COUPON_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: ReturnCouponAfterRefundCommand): Promise<ReturnCouponAfterRefundResult> {
    return this.unitOfWork.run(async () => {
      const now = this.clock.now();
      const reservation = await this.reservations.findForUpdate(command.orderId);
      const status = reservation?.status ?? null;
      // RESERVED: the refund overtook the payment's confirmation (redelivered out of order). A refunded
      // order was paid, so the coupon is confirmed and returned now; the late confirmation then finds nothing to do.
      if (!reservation || (status !== 'CONFIRMED' && status !== 'RESERVED')) return { outcome: 'ignored', status };

      const coupon = await this.coupons.findByIdForUpdate(reservation.couponId!);
      if (!coupon) throw new CouponNotFoundError(reservation.couponId!);
      if (status === 'RESERVED') {
        coupon.confirmUse(command.orderId, now);
        reservation.confirm(now);
      }
      const couponStatus = coupon.returnAfterRefund(command.orderId, now) === 'EXPIRED' ? 'EXPIRED' : 'AVAILABLE';
      reservation.refund(now);
      await this.coupons.save(coupon);
      await this.reservations.save(reservation);
      return { outcome: 'returned', couponStatus };
    });
  }
}
