import { Inject, Injectable } from '@nestjs/common';
import { UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { CouponReservation } from '../../../domain/coupon-reservation.js';
import { COUPON_CLOCK, COUPON_REPOSITORY, COUPON_RESERVATION_REPOSITORY } from '../../coupon.di-tokens.js';
import type { CouponRepository } from '../../ports/coupon.repository.js';
import type { CouponReservationRepository } from '../../ports/coupon-reservation.repository.js';
import type { ReleaseCouponForOrderCommand, ReleaseCouponForOrderResult } from './release-coupon-for-order.command.js';

/**
 * The saga's *cancel*: the coupon locked to the cancelled order is AVAILABLE again. Idempotent by order
 * id. A cancellation that arrives before the placement leaves a tombstone and succeeds (an empty
 * rollback); the placement is then rejected when it comes.
 */
@Injectable()
export class ReleaseCouponForOrderHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(COUPON_RESERVATION_REPOSITORY) private readonly reservations: CouponReservationRepository,
    @Inject(COUPON_REPOSITORY) private readonly coupons: CouponRepository,
    @Inject(COUPON_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: ReleaseCouponForOrderCommand): Promise<ReleaseCouponForOrderResult> {
    return this.unitOfWork.run(async () => {
      const now = this.clock.now();
      const reservation = await this.reservations.findForUpdate(command.orderId);
      if (!reservation) {
        await this.reservations.save(CouponReservation.tombstone(command.orderId, now));
        return { outcome: 'tombstoned' };
      }
      if (reservation.status !== 'RESERVED') return { outcome: 'nothing-to-release', status: reservation.status };

      const coupon = await this.coupons.findByIdForUpdate(reservation.couponId!);
      // The coupon gives itself back only if it is still locked to this order.
      if (coupon?.release(command.orderId, now)) await this.coupons.save(coupon);
      reservation.release(now);
      await this.reservations.save(reservation);
      return { outcome: 'released' };
    });
  }
}
