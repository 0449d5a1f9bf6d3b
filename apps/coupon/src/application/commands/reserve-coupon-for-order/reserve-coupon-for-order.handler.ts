import { Inject, Injectable } from '@nestjs/common';
import { Money, UNIT_OF_WORK, isUuid, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { CouponReservation } from '../../../domain/coupon-reservation.js';
import { CouponReservationRefusedError, type ReservationRejectionReason } from '../../../domain/coupon.errors.js';
import { COUPON_CLOCK, COUPON_REPOSITORY, COUPON_RESERVATION_REPOSITORY } from '../../coupon.di-tokens.js';
import type { CouponRepository } from '../../ports/coupon.repository.js';
import type { CouponReservationRepository } from '../../ports/coupon-reservation.repository.js';
import type { ReserveCouponForOrderCommand, ReserveCouponForOrderResult } from './reserve-coupon-for-order.command.js';

/**
 * The saga's *try*: lock the order's coupon to it and answer `coupon.reserved.v1` with the discount, or
 * `coupon.reservation-rejected.v1` with the reason. Idempotent by order id: the reservation, once
 * decided, answers every redelivery with no change. A placement whose order was already cancelled (a
 * tombstone) is rejected with ORDER_CANCELLED, so no coupon hangs locked to a dead order.
 */
@Injectable()
export class ReserveCouponForOrderHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(COUPON_RESERVATION_REPOSITORY) private readonly reservations: CouponReservationRepository,
    @Inject(COUPON_REPOSITORY) private readonly coupons: CouponRepository,
    @Inject(COUPON_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: ReserveCouponForOrderCommand): Promise<ReserveCouponForOrderResult> {
    const { orderId, userId, couponId } = command;
    const subtotal = Money.ofMinor(command.subtotal);
    return this.unitOfWork.run(async () => {
      const now = this.clock.now();
      // The reservation is locked before the coupon, in every saga step: one lock order, no deadlock.
      const existing = await this.reservations.findForUpdate(orderId);
      if (existing?.isTombstone) {
        existing.rejectLate(couponId, userId, now);
        await this.reservations.save(existing);
        return { outcome: 'rejected', reason: 'ORDER_CANCELLED' };
      }
      if (existing) return { outcome: 'already-decided', status: existing.status };

      const coupon = isUuid(couponId) ? await this.coupons.findByIdForUpdate(couponId) : null;
      if (!coupon) return this.reject(orderId, couponId, userId, 'NOT_FOUND', now);
      let discount: Money;
      try {
        discount = coupon.reserveFor(orderId, userId, subtotal, now);
      } catch (error) {
        // A refusal is an answer to the order, not a failure to retry.
        if (error instanceof CouponReservationRefusedError) return this.reject(orderId, couponId, userId, error.reason, now);
        throw error;
      }
      await this.coupons.save(coupon);
      await this.reservations.save(CouponReservation.reserved(orderId, coupon.id, userId, discount, now));
      return { outcome: 'reserved', discount: discount.minor };
    });
  }

  private async reject(orderId: string, couponId: string, userId: string, reason: ReservationRejectionReason, now: Date): Promise<ReserveCouponForOrderResult> {
    await this.reservations.save(CouponReservation.rejected(orderId, couponId, userId, reason, now));
    return { outcome: 'rejected', reason };
  }
}
