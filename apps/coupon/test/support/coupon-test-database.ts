import { EventSchemaRegistry, publishedLanguage } from '@shop/contracts';
import { OutboxSignal, OutboxWriter, defaultRelayOptions } from '@shop/messaging';
import { TransactionHost, databaseNameOf, openDataSource, type DatabaseKind, type DatabaseTimeouts } from '@shop/persistence';
import { platformMigrations } from '@shop/runtime';
import { TEST_POSTGRES_URL, dropDatabase, uniqueServiceName, type Cleanups } from '@shop/testing';
import { systemClock, type Clock, type EventOutbox } from '@shop/shared-kernel';
import { couponMigrations } from '../../src/infrastructure/migrations/index.js';
import { SqlCouponExpiry } from '../../src/infrastructure/persistence/sql-coupon-expiry.js';
import { SqlCouponQueries } from '../../src/infrastructure/persistence/sql-coupon-queries.js';
import { TypeOrmCouponReservationRepository } from '../../src/infrastructure/persistence/typeorm-coupon-reservation.repository.js';
import { TypeOrmCouponTemplateRepository } from '../../src/infrastructure/persistence/typeorm-coupon-template.repository.js';
import { TypeOrmCouponRepository } from '../../src/infrastructure/persistence/typeorm-coupon.repository.js';

export const KINDS: readonly DatabaseKind[] = ['postgres', 'sqlite'];

/** The migrations the coupon service runs, in its order: the platform's (it has jobs and `Idempotency-Key`), then its own. */
export const COUPON_SERVICE_MIGRATIONS = [...platformMigrations({ scheduler: true, idempotency: true }), ...couponMigrations];

export interface CouponDatabase {
  readonly kind: DatabaseKind;
  readonly service: string;
  readonly transactions: TransactionHost;
  /**
   * Another instance of the service on the same database: a data source (and pool) of its own
   * (PostgreSQL only: SQLite is one process's file).
   */
  openAnotherInstance(options?: InstanceOptions): Promise<TransactionHost>;
  /** Rows of a query, over the first instance's data source, outside any transaction. */
  query<R = Record<string, unknown>>(sql: string, parameters?: unknown[]): Promise<R[]>;
  /** `SELECT COUNT(*)` of a table, optionally with a WHERE clause (placeholders of the database's dialect). */
  count(table: string, where?: string, parameters?: unknown[]): Promise<number>;
}

/** One instance's data source: its pool size and deadlines (PostgreSQL). */
export interface InstanceOptions {
  readonly poolSize?: number;
  readonly timeouts?: Partial<DatabaseTimeouts>;
}

/** A fresh database of the coupon service with the service's migrations applied. */
export async function openCouponDatabase(kind: DatabaseKind, cleanups: Cleanups, options: InstanceOptions = {}): Promise<CouponDatabase> {
  const service = uniqueServiceName('coupon');
  const open = async (instance: InstanceOptions = options) => {
    const dataSource = await openDataSource({
      service,
      ...(kind === 'postgres' ? { postgresUrl: TEST_POSTGRES_URL, poolSize: instance.poolSize ?? 6, timeouts: instance.timeouts } : { sqliteDir: ':memory:' }),
      entities: [],
      migrations: COUPON_SERVICE_MIGRATIONS,
    });
    cleanups.add(() => dataSource.destroy());
    return new TransactionHost(dataSource);
  };
  if (kind === 'postgres') cleanups.add(() => dropDatabase(databaseNameOf(service)));
  const transactions = await open();
  const query = async <R>(sql: string, parameters: unknown[] = []): Promise<R[]> => {
    const result: unknown = await transactions.dataSource.query(sql, parameters);
    // PostgreSQL answers an UPDATE or DELETE with [rows, count].
    return (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as R[];
  };
  return {
    kind,
    service,
    transactions,
    openAnotherInstance: (instance = options) => {
      if (kind !== 'postgres') throw new Error('only PostgreSQL is shared between instances');
      return open(instance);
    },
    query,
    count: async (table, where, parameters) => {
      const [row] = await query<{ n: string | number }>(`SELECT COUNT(*) AS n FROM ${table}${where ? ` WHERE ${where}` : ''}`, parameters);
      return Number(row?.n ?? 0);
    },
  };
}

/** The coupon service's outbox on this database, as MessagingModule wires it. */
export function couponOutbox(transactions: TransactionHost): OutboxWriter {
  return new OutboxWriter(transactions, new EventSchemaRegistry(publishedLanguage), new OutboxSignal(), {
    source: 'coupon',
    partitions: defaultRelayOptions.partitions,
  });
}

/** The real adapters of every port on one instance's database, as the composition root wires them. */
export function couponAdapters(transactions: TransactionHost, parts: { outbox?: EventOutbox; clock?: Clock } = {}) {
  const outbox = parts.outbox ?? couponOutbox(transactions);
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
