import type { EventOutbox } from '@shop/shared-kernel';
import { InMemoryAggregateRepository, type InMemoryUnitOfWork } from '@shop/testing';
import { CouponReservation, type CouponReservationSnapshot } from '../../domain/coupon-reservation.js';
import { couponIntegrationEvents } from '../coupon.integration-events.js';
import type { CouponReservationRepository } from '../ports/coupon-reservation.repository.js';

/** Reservations in memory, one per order id; the unit of work's one-at-a-time transactions stand in for the row lock. */
export class InMemoryCouponReservationRepository
  extends InMemoryAggregateRepository<CouponReservation, CouponReservationSnapshot>
  implements CouponReservationRepository
{
  constructor(unitOfWork: InMemoryUnitOfWork, outbox: EventOutbox) {
    super(unitOfWork, outbox, couponIntegrationEvents, { toRow: (reservation) => reservation.toSnapshot(), fromRow: (row) => CouponReservation.restore(row) });
  }

  async findForUpdate(orderId: string): Promise<CouponReservation | null> {
    return this.findById(orderId.toLowerCase());
  }
}
