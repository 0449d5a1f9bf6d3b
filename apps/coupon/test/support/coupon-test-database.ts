import type { DatabaseKind, TransactionHost } from '@shop/persistence';
import { platformMigrations } from '@shop/runtime';
import { openServiceTestDatabase, serviceTestOutbox, type InstanceOptions, type ServiceTestDatabase } from '@shop/runtime/testing';
import type { Cleanups } from '@shop/testing';
import { systemClock, type Clock, type EventOutbox } from '@shop/shared-kernel';
import { couponMigrations } from '../../src/infrastructure/migrations/index.js';
import { SqlCouponExpiry } from '../../src/infrastructure/persistence/sql-coupon-expiry.js';
import { SqlCouponQueries } from '../../src/infrastructure/persistence/sql-coupon-queries.js';
import { TypeOrmCouponReservationRepository } from '../../src/infrastructure/persistence/typeorm-coupon-reservation.repository.js';
import { TypeOrmCouponTemplateRepository } from '../../src/infrastructure/persistence/typeorm-coupon-template.repository.js';
import { TypeOrmCouponRepository } from '../../src/infrastructure/persistence/typeorm-coupon.repository.js';

export { KINDS, type InstanceOptions } from '@shop/runtime/testing';

/** The migrations the coupon service runs, in its order: the platform's (it has jobs and `Idempotency-Key`), then its own. */
export const COUPON_SERVICE_MIGRATIONS = [...platformMigrations({ scheduler: true, idempotency: true }), ...couponMigrations];

export type CouponDatabase = ServiceTestDatabase;

/** A fresh database of the coupon service with the service's migrations applied (`openServiceTestDatabase`), in memory on SQLite. */
export function openCouponDatabase(kind: DatabaseKind, cleanups: Cleanups, options: InstanceOptions = {}): Promise<CouponDatabase> {
  return openServiceTestDatabase('coupon', kind, cleanups, { ...options, migrations: COUPON_SERVICE_MIGRATIONS });
}

/** The real adapters of every port on one instance's database, as the composition root wires them. */
export function couponAdapters(transactions: TransactionHost, parts: { outbox?: EventOutbox; clock?: Clock } = {}) {
  const outbox = parts.outbox ?? serviceTestOutbox('coupon', transactions);
  return {
    transactions,
    outbox,
    templates: new TypeOrmCouponTemplateRepository(transactions, outbox),
    coupons: new TypeOrmCouponRepository(transactions, outbox, parts.clock ?? systemClock),
    reservations: new TypeOrmCouponReservationRepository(transactions, outbox),
    expiry: new SqlCouponExpiry(transactions),
    queries: new SqlCouponQueries(transactions),
  };
}

export type CouponAdapters = ReturnType<typeof couponAdapters>;

export { outboxRows, type OutboxRow } from '@shop/testing';
