import { dialectOf, type TransactionHost, StaleAggregateError, StoredVersions, numberOf, numberOrNull, rowsOf } from '@shop/persistence';
import { AggregateRepository, isUuid, type EventOutbox } from '@shop/shared-kernel';
import { couponIntegrationEvents } from '../../application/coupon.integration-events.js';
import type { CouponReservationRepository } from '../../application/ports/coupon-reservation.repository.js';
import type { CouponReservation } from '../../domain/coupon-reservation.js';
import type { CouponReservationRecord } from './coupon.records.js';
import { CouponReservationMapper } from './coupon.mappers.js';

const RESERVATION_COLUMNS = 'order_id, coupon_id, user_id, status, discount, reason, version, created_at, updated_at';

/** A row of `coupon_reservation` as the drivers return it. */
interface CouponReservationRow {
  order_id: string;
  coupon_id: string | null;
  user_id: string | null;
  status: string;
  discount: string | number | null;
  reason: string | null;
  version: number;
  created_at: string | number;
  updated_at: string | number;
}

const reservationRecordOf = (row: CouponReservationRow): CouponReservationRecord => ({
  orderId: row.order_id,
  couponId: row.coupon_id,
  userId: row.user_id,
  status: row.status,
  discount: numberOrNull(row.discount),
  reason: row.reason,
  version: numberOf(row.version),
  createdAt: numberOf(row.created_at),
  updatedAt: numberOf(row.updated_at),
});

/**
 * The saga's reservations (one per order id) in the service's own database, through the current
 * transaction; a save writes the reservation's events (`coupon.reserved.v1`,
 * `coupon.reservation-rejected.v1`) to the outbox in the same transaction (`AggregateRepository`).
 *
 * A reservation loaded or saved before is updated (at the version it was stored at); a new one is
 * inserted, with no upsert: two first deliveries of one order racing on two instances both find none, and the
 * primary key fails the second insert (its transaction rolls back and its message is retried, to find
 * the first one's row), instead of the second overwriting the first's answer.
 */
export class TypeOrmCouponReservationRepository extends AggregateRepository<CouponReservation> implements CouponReservationRepository {
  private readonly versions: StoredVersions<CouponReservation>;

  constructor(
    private readonly transactions: TransactionHost,
    outbox: EventOutbox,
  ) {
    super(transactions, outbox, couponIntegrationEvents);
    this.versions = new StoredVersions(transactions);
  }

  async findForUpdate(orderId: string): Promise<CouponReservation | null> {
    if (!isUuid(orderId)) return null;
    const { param, kind } = dialectOf(this.transactions.kind);
    // SQLite has one writer at a time (libs/persistence queues its transactions): no row lock needed there.
    const lock = kind === 'postgres' ? ' FOR UPDATE' : '';
    const [row] = await this.query<CouponReservationRow>(`SELECT ${RESERVATION_COLUMNS} FROM coupon_reservation WHERE order_id = ${param(1)}${lock}`, [
      orderId.toLowerCase(),
    ]);
    if (!row) return null;
    const record = reservationRecordOf(row);
    const reservation = this.tracked(CouponReservationMapper.toDomain(record));
    this.versions.record(reservation, record.version);
    return reservation;
  }

  protected async persist(reservation: CouponReservation): Promise<void> {
    const { param } = dialectOf(this.transactions.kind);
    const record = CouponReservationMapper.toRecord(reservation);
    const stored = this.versions.of(reservation);
    if (stored !== undefined) {
      const updated = await this.query<{ version: number }>(
        `UPDATE coupon_reservation SET coupon_id = ${param(1)}, user_id = ${param(2)}, status = ${param(3)}, discount = ${param(4)}, reason = ${param(5)},
           version = version + 1, updated_at = ${param(6)}
         WHERE order_id = ${param(7)} AND version = ${param(8)}
         RETURNING version`,
        [record.couponId, record.userId, record.status, record.discount, record.reason, record.updatedAt, record.orderId, stored],
      );
      if (updated.length === 0) throw new StaleAggregateError('coupon_reservation', record.orderId, stored);
      this.versions.record(reservation, numberOf(updated[0]!.version));
      return;
    }
    await this.query(`INSERT INTO coupon_reservation (${RESERVATION_COLUMNS}) VALUES (${Array.from({ length: 9 }, (_, i) => param(i + 1)).join(', ')})`, [
      record.orderId,
      record.couponId,
      record.userId,
      record.status,
      record.discount,
      record.reason,
      0,
      record.createdAt,
      record.updatedAt,
    ]);
    this.versions.record(reservation, 0);
  }

  private async query<R = Record<string, unknown>>(sql: string, parameters: unknown[] = []): Promise<R[]> {
    return rowsOf<R>(await this.transactions.manager.query(sql, parameters));
  }
}
