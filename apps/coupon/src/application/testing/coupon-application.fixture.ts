import { ManualClock } from '@shop/shared-kernel';
import { InMemoryEventOutbox, InMemoryUnitOfWork } from '@shop/testing';
import { SoldOutTemplates } from '../sold-out-templates.js';
import { InMemoryCouponExpiry } from './in-memory-coupon-expiry.js';
import { InMemoryCouponReservationRepository } from './in-memory-coupon-reservation.repository.js';
import { InMemoryCouponTemplateRepository } from './in-memory-coupon-template.repository.js';
import { InMemoryCouponRepository } from './in-memory-coupon.repository.js';
import { InMemoryCouponQueries } from './in-memory-coupon.queries.js';

/** Every port of the coupon context's use cases, in memory, wired to one unit of work. */
export function couponApplicationFixture() {
  const unitOfWork = new InMemoryUnitOfWork();
  const outbox = new InMemoryEventOutbox(unitOfWork);
  const templates = new InMemoryCouponTemplateRepository(unitOfWork, outbox);
  const coupons = new InMemoryCouponRepository(unitOfWork, outbox, templates);
  const reservations = new InMemoryCouponReservationRepository(unitOfWork, outbox);
  return {
    unitOfWork,
    outbox,
    templates,
    coupons,
    reservations,
    expiry: new InMemoryCouponExpiry(unitOfWork, coupons),
    queries: new InMemoryCouponQueries(templates, coupons),
    soldOut: new SoldOutTemplates(),
    clock: new ManualClock(new Date('2026-02-01T08:00:00.000Z')),
  };
}

export type CouponApplicationFixture = ReturnType<typeof couponApplicationFixture>;
