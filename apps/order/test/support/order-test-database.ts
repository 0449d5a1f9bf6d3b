import type { DatabaseKind, TransactionHost } from '@shop/persistence';
import { platformMigrations } from '@shop/runtime';
import { openServiceTestDatabase, serviceTestOutbox, type InstanceOptions, type ServiceTestDatabase } from '@shop/runtime/testing';
import type { Cleanups } from '@shop/testing';
import type { EventOutbox } from '@shop/shared-kernel';
import { orderMigrations } from '../../src/infrastructure/migrations/index.js';
import { SqlCatalogQueries } from '../../src/infrastructure/persistence/sql-catalog-queries.js';
import { SqlCatalogSeed } from '../../src/infrastructure/persistence/sql-catalog-seed.js';
import { SqlOrderQueries } from '../../src/infrastructure/persistence/sql-order-queries.js';
import { TypeOrmOrderRepository } from '../../src/infrastructure/persistence/typeorm-order.repository.js';
import { TypeOrmProductRepository } from '../../src/infrastructure/persistence/typeorm-product.repository.js';

export { KINDS, type InstanceOptions } from '@shop/runtime/testing';

/** The migrations the order service runs, in its order: the platform's (it has a job and `Idempotency-Key`), then its own. */
export const ORDER_SERVICE_MIGRATIONS = [...platformMigrations({ scheduler: true, idempotency: true }), ...orderMigrations];

export type OrderDatabase = ServiceTestDatabase;

/** A fresh database of the order service with the service's migrations applied (`openServiceTestDatabase`), in memory on SQLite. */
export function openOrderDatabase(kind: DatabaseKind, cleanups: Cleanups, options: InstanceOptions = {}): Promise<OrderDatabase> {
  return openServiceTestDatabase('order', kind, cleanups, { ...options, migrations: ORDER_SERVICE_MIGRATIONS });
}

/** The real adapters of every port on one instance's database, as the composition root wires them. */
export function orderAdapters(transactions: TransactionHost, parts: { outbox?: EventOutbox } = {}) {
  const outbox = parts.outbox ?? serviceTestOutbox('order', transactions);
  return {
    transactions,
    outbox,
    orders: new TypeOrmOrderRepository(transactions, outbox),
    products: new TypeOrmProductRepository(transactions, outbox),
    orderQueries: new SqlOrderQueries(transactions),
    catalogQueries: new SqlCatalogQueries(transactions),
    catalogSeed: new SqlCatalogSeed(transactions),
  };
}

export type OrderAdapters = ReturnType<typeof orderAdapters>;

export { outboxRows, type OutboxRow } from '@shop/testing';
