import type { DatabaseKind, TransactionHost } from '@shop/persistence';
import { platformMigrations } from '@shop/runtime';
import { openServiceTestDatabase, serviceTestOutbox, type InstanceOptions, type ServiceTestDatabase } from '@shop/runtime/testing';
import type { EventOutbox } from '@shop/shared-kernel';
import type { Cleanups } from '@shop/testing';
import { paymentMigrations } from '../../src/infrastructure/migrations/index.js';
import { SqlPaymentQueries } from '../../src/infrastructure/persistence/sql-payment-queries.js';
import { TypeOrmPayableOrderRepository } from '../../src/infrastructure/persistence/typeorm-payable-order.repository.js';
import { TypeOrmPaymentRepository } from '../../src/infrastructure/persistence/typeorm-payment.repository.js';

export { KINDS, type InstanceOptions } from '@shop/runtime/testing';

/** The migrations the payment service runs, in its order: the platform's (it has jobs and `Idempotency-Key`), then its own. */
export const PAYMENT_SERVICE_MIGRATIONS = [...platformMigrations({ scheduler: true, idempotency: true }), ...paymentMigrations];

export type PaymentDatabase = ServiceTestDatabase;

/** A fresh database of the payment service with the service's migrations applied (`openServiceTestDatabase`), in memory on SQLite. */
export function openPaymentDatabase(kind: DatabaseKind, cleanups: Cleanups, options: InstanceOptions = {}): Promise<PaymentDatabase> {
  return openServiceTestDatabase('payment', kind, cleanups, { ...options, migrations: PAYMENT_SERVICE_MIGRATIONS });
}

/** The real adapters of the persistence ports on one instance's database, as the composition root wires them. */
export function paymentAdapters(transactions: TransactionHost, parts: { outbox?: EventOutbox } = {}) {
  const outbox = parts.outbox ?? serviceTestOutbox('payment', transactions);
  return {
    transactions,
    outbox,
    payments: new TypeOrmPaymentRepository(transactions, outbox),
    payableOrders: new TypeOrmPayableOrderRepository(transactions),
    queries: new SqlPaymentQueries(transactions),
  };
}

export type PaymentAdapters = ReturnType<typeof paymentAdapters>;

export { outboxRows, type OutboxRow } from '@shop/testing';
