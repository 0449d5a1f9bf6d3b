import type { DatabaseKind } from '@shop/persistence';
import { platformMigrations } from '@shop/runtime';
import { openServiceTestDatabase, type InstanceOptions, type ServiceTestDatabase } from '@shop/runtime/testing';
import type { Cleanups } from '@shop/testing';
import { paymentMigrations } from '../../src/infrastructure/migrations/index.js';

export { KINDS, type InstanceOptions } from '@shop/runtime/testing';

/** The migrations the payment service runs, in its order: the platform's (it has jobs and `Idempotency-Key`), then its own. */
export const PAYMENT_SERVICE_MIGRATIONS = [...platformMigrations({ scheduler: true, idempotency: true }), ...paymentMigrations];

export type PaymentDatabase = ServiceTestDatabase;

/** A fresh database of the payment service with the service's migrations applied (`openServiceTestDatabase`), in memory on SQLite. */
export function openPaymentDatabase(kind: DatabaseKind, cleanups: Cleanups, options: InstanceOptions = {}): Promise<PaymentDatabase> {
  return openServiceTestDatabase('payment', kind, cleanups, { ...options, migrations: PAYMENT_SERVICE_MIGRATIONS });
}

export { outboxRows, type OutboxRow } from '@shop/testing';
