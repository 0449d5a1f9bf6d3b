import type { DatabaseKind, TransactionHost } from '@shop/persistence';
import { platformMigrations } from '@shop/runtime';
import { openServiceTestDatabase, serviceTestOutbox, type InstanceOptions, type ServiceTestDatabase } from '@shop/runtime/testing';
import type { Cleanups } from '@shop/testing';
import type { EventOutbox } from '@shop/shared-kernel';
import { pointsMigrations } from '../../src/infrastructure/migrations/index.js';
import { SqlPointsQueries } from '../../src/infrastructure/persistence/sql-points-queries.js';
import { SqlPointsReconciliation } from '../../src/infrastructure/persistence/sql-points-reconciliation.js';
import { TypeOrmOrderPointsRepository } from '../../src/infrastructure/persistence/typeorm-order-points.repository.js';
import { TypeOrmPointsAccountRepository } from '../../src/infrastructure/persistence/typeorm-points-account.repository.js';

export { KINDS, type InstanceOptions } from '@shop/runtime/testing';

/** The migrations the points service runs, in its order: the platform's (it has a scheduled job), then its own. */
export const POINTS_SERVICE_MIGRATIONS = [...platformMigrations({ scheduler: true, idempotency: false }), ...pointsMigrations];

export type PointsDatabase = ServiceTestDatabase;

/**
 * A fresh database of the points service with the service's migrations applied: on PostgreSQL a
 * database `shop_points_<random>` of its own (dropped with the cleanups), on SQLite a file `points.sqlite`
 * in `sqliteDir` when given (so that another process, the CLI, can open it), in memory otherwise.
 */
export function openPointsDatabase(kind: DatabaseKind, cleanups: Cleanups, options: InstanceOptions & { sqliteDir?: string } = {}): Promise<PointsDatabase> {
  return openServiceTestDatabase('points', kind, cleanups, { ...options, migrations: POINTS_SERVICE_MIGRATIONS });
}

/** The real adapters of every port on one instance's database, as the composition root wires them. */
export function pointsAdapters(transactions: TransactionHost, parts: { outbox?: EventOutbox } = {}) {
  const outbox = parts.outbox ?? serviceTestOutbox('points', transactions);
  return {
    transactions,
    outbox,
    accounts: new TypeOrmPointsAccountRepository(transactions, outbox),
    orders: new TypeOrmOrderPointsRepository(transactions, outbox),
    queries: new SqlPointsQueries(transactions),
    reconciliation: new SqlPointsReconciliation(transactions),
  };
}

export type PointsAdapters = ReturnType<typeof pointsAdapters>;

export { outboxRows, type OutboxRow } from '@shop/testing';
