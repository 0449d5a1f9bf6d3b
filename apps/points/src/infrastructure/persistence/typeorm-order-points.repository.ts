import { dialectOf, inList, numberOf, rowsOf, StaleAggregateError, StoredVersions, type TransactionHost } from '@shop/persistence';
import { AggregateRepository, isUuid, type EventOutbox } from '@shop/shared-kernel';
import { pointsIntegrationEvents } from '../../application/points.integration-events.js';
import type { OrderPointsRepository } from '../../application/ports/order-points.repository.js';
import { OrderPoints, type OrderPointsStatus, type PointsReservationRejectionReason } from '../../domain/order-points.js';

const ORDER_COLUMNS = 'order_id, user_id, status, points, earned, reason, version, created_at, updated_at';

/** A row of `points_order` as the drivers return it. */
interface OrderPointsRow {
  order_id: string;
  user_id: string | null;
  status: string;
  points: string | number;
  earned: string | number;
  reason: string | null;
  version: string | number;
  created_at: string | number;
  updated_at: string | number;
}

/**
 * The saga's side of each order (one row per order id) in the service's own database, through the
 * current transaction; a save writes the order's events (`points.reserved.v1`,
 * `points.reservation-rejected.v1`) to the outbox in the same transaction (`AggregateRepository`).
 *
 * Loaded or saved before: updated at the version it was stored at; new: inserted, with no upsert, so
 * two first deliveries of one order racing on two instances cannot both answer: the primary key fails
 * the second insert, whose transaction rolls back and whose message is retried, to find the first's row.
 */
export class TypeOrmOrderPointsRepository extends AggregateRepository<OrderPoints> implements OrderPointsRepository {
  private readonly versions: StoredVersions<OrderPoints>;

  constructor(
    private readonly transactions: TransactionHost,
    outbox: EventOutbox,
  ) {
    super(transactions, outbox, pointsIntegrationEvents);
    this.versions = new StoredVersions(transactions);
  }

  async findForUpdate(orderId: string): Promise<OrderPoints | null> {
    if (!isUuid(orderId)) return null;
    const { param, kind } = dialectOf(this.transactions.kind);
    // SQLite has one writer at a time (libs/persistence queues its transactions): no row lock needed there.
    const lock = kind === 'postgres' ? ' FOR UPDATE' : '';
    const [row] = await this.query<OrderPointsRow>(`SELECT ${ORDER_COLUMNS} FROM points_order WHERE order_id = ${param(1)}${lock}`, [orderId.toLowerCase()]);
    if (!row) return null;
    const order = this.tracked(
      OrderPoints.restore({
        orderId: row.order_id,
        userId: row.user_id,
        // The columns' CHECKs admit only the statuses of the domain's list; `reason` is written only from the domain's.
        status: row.status as OrderPointsStatus,
        points: numberOf(row.points),
        earned: numberOf(row.earned),
        reason: row.reason as PointsReservationRejectionReason | null,
        createdAt: new Date(numberOf(row.created_at)),
        updatedAt: new Date(numberOf(row.updated_at)),
      }),
    );
    this.versions.record(order, numberOf(row.version));
    return order;
  }

  protected async persist(order: OrderPoints): Promise<void> {
    const dialect = dialectOf(this.transactions.kind);
    const { param } = dialect;
    const state = order.toSnapshot();
    const stored = this.versions.of(order);
    if (stored !== undefined) {
      const updated = await this.query<{ version: string | number }>(
        `UPDATE points_order SET user_id = ${param(1)}, status = ${param(2)}, points = ${param(3)}, earned = ${param(4)}, reason = ${param(5)},
           version = version + 1, updated_at = ${param(6)}
         WHERE order_id = ${param(7)} AND version = ${param(8)}
         RETURNING version`,
        [state.userId, state.status, state.points, state.earned, state.reason, state.updatedAt.getTime(), state.orderId, stored],
      );
      if (updated.length === 0) throw new StaleAggregateError('points_order', state.orderId, stored);
      this.versions.record(order, numberOf(updated[0]!.version));
      return;
    }
    await this.query(`INSERT INTO points_order (${ORDER_COLUMNS}) VALUES ${inList(dialect, 9)}`, [
      state.orderId,
      state.userId,
      state.status,
      state.points,
      state.earned,
      state.reason,
      0,
      state.createdAt.getTime(),
      state.updatedAt.getTime(),
    ]);
    this.versions.record(order, 0);
  }

  private async query<R = Record<string, unknown>>(sql: string, parameters: unknown[] = []): Promise<R[]> {
    return rowsOf<R>(await this.transactions.manager.query(sql, parameters));
  }
}
