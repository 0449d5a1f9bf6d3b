import { dialectOf, inList, isUniqueViolationOf, numberOf, rowsOf, StaleAggregateError, StoredVersions, type TransactionHost } from '@shop/persistence';
import { AggregateRepository, isUuid, type EventOutbox } from '@shop/shared-kernel';
import { paymentIntegrationEvents } from '../../application/payment.integration-events.js';
import type { PaymentRepository } from '../../application/ports/payment.repository.js';
import { PaymentInProgressError } from '../../domain/payment.errors.js';
import { Payment } from '../../domain/payment.js';
import { PAYMENT_COLUMNS, paymentSnapshotOf, paymentValues, type PaymentRow } from './payment.rows.js';

/** The partial unique index of the migration: at most one PENDING payment per order. */
const PENDING_PAYMENT_OF_ORDER = { index: 'payment_pending_order', table: 'payment', column: 'order_id' } as const;

/**
 * Payments in the service's own database, through the current transaction. A save writes the payment's
 * events (payment.succeeded.v1, payment.failed.v1, payment.refunded.v1) to the outbox in the same
 * transaction (`AggregateRepository`).
 *
 * New: inserted (no upsert: a second insert of one id fails on the primary key), and a second PENDING
 * payment of one order fails on `payment_pending_order`: answered as PAYMENT_IN_PROGRESS, the race two
 * POST /payments at once can run into past the handler's check. Loaded or saved before: its row updated
 * at the version it was stored at, `StaleAggregateError` when it moved meanwhile.
 */
export class TypeOrmPaymentRepository extends AggregateRepository<Payment> implements PaymentRepository {
  private readonly versions: StoredVersions<Payment>;

  constructor(
    private readonly transactions: TransactionHost,
    outbox: EventOutbox,
  ) {
    super(transactions, outbox, paymentIntegrationEvents);
    this.versions = new StoredVersions(transactions);
  }

  async findForUpdate(paymentId: string): Promise<Payment | null> {
    if (!isUuid(paymentId)) return null;
    const { param, kind } = dialectOf(this.transactions.kind);
    // SQLite has one writer at a time (libs/persistence queues its transactions): no row lock needed there.
    const lock = kind === 'postgres' ? ' FOR UPDATE' : '';
    return this.one(`SELECT ${PAYMENT_COLUMNS} FROM payment WHERE payment_id = ${param(1)}${lock}`, [paymentId.toLowerCase()]);
  }

  /** Read-only: outside a transaction nothing is recorded of it, so a save of it is an insert, refused on the primary key. */
  async find(paymentId: string): Promise<Payment | null> {
    if (!isUuid(paymentId)) return null;
    const { param } = dialectOf(this.transactions.kind);
    return this.transactions.read(() => this.one(`SELECT ${PAYMENT_COLUMNS} FROM payment WHERE payment_id = ${param(1)}`, [paymentId.toLowerCase()]));
  }

  /** On the partial unique index: at most one row. Locked, as the order's projection row is, by the caller's lock on the order. */
  async pendingOfOrder(orderId: string): Promise<Payment | null> {
    if (!isUuid(orderId)) return null;
    const { param } = dialectOf(this.transactions.kind);
    return this.one(`SELECT ${PAYMENT_COLUMNS} FROM payment WHERE order_id = ${param(1)} AND status = 'PENDING'`, [orderId.toLowerCase()]);
  }

  async hasSucceededPayment(orderId: string): Promise<boolean> {
    if (!isUuid(orderId)) return false;
    const { param } = dialectOf(this.transactions.kind);
    const rows = await this.query(`SELECT 1 AS found FROM payment WHERE order_id = ${param(1)} AND status IN ('SUCCEEDED', 'REFUNDING', 'REFUNDED') LIMIT 1`, [
      orderId.toLowerCase(),
    ]);
    return rows.length > 0;
  }

  /** On the partial index of PENDING payments by creation: the oldest first. */
  async pendingCreatedBefore(at: Date, limit: number): Promise<string[]> {
    const { param } = dialectOf(this.transactions.kind);
    const rows = await this.query<{ payment_id: string }>(
      `SELECT payment_id FROM payment WHERE status = 'PENDING' AND created_at < ${param(1)} ORDER BY created_at, payment_id LIMIT ${Math.trunc(limit)}`,
      [at.getTime()],
    );
    return rows.map((row) => row.payment_id);
  }

  /** On the partial index of REFUNDING payments by their next try: the most overdue first. */
  async refundsDue(at: Date, limit: number): Promise<string[]> {
    const { param } = dialectOf(this.transactions.kind);
    const rows = await this.query<{ payment_id: string }>(
      `SELECT payment_id FROM payment WHERE status = 'REFUNDING' AND refund_next_attempt_at <= ${param(1)}
       ORDER BY refund_next_attempt_at, payment_id LIMIT ${Math.trunc(limit)}`,
      [at.getTime()],
    );
    return rows.map((row) => row.payment_id);
  }

  protected async persist(payment: Payment): Promise<void> {
    const dialect = dialectOf(this.transactions.kind);
    const { param } = dialect;
    const state = payment.toSnapshot();
    const stored = this.versions.of(payment);
    if (stored === undefined) {
      try {
        await this.query(`INSERT INTO payment (${PAYMENT_COLUMNS}) VALUES ${inList(dialect, 20)}`, [...paymentValues(state), 0]);
      } catch (error) {
        if (isUniqueViolationOf(error, PENDING_PAYMENT_OF_ORDER)) throw new PaymentInProgressError(state.orderId);
        throw error;
      }
      this.versions.record(payment, 0);
      return;
    }
    const values = paymentValues(state).slice(3);
    const updated = await this.query<{ version: string | number }>(
      `UPDATE payment SET amount = ${param(1)}, currency = ${param(2)}, status = ${param(3)}, provider = ${param(4)}, provider_payment_id = ${param(5)},
         failure_reason = ${param(6)}, failure_detail = ${param(7)}, created_at = ${param(8)}, settled_at = ${param(9)}, refund_id = ${param(10)},
         refund_reason = ${param(11)}, refund_requested_at = ${param(12)}, refund_attempts = ${param(13)}, refund_last_error = ${param(14)},
         refund_next_attempt_at = ${param(15)}, refunded_at = ${param(16)}, version = version + 1
       WHERE payment_id = ${param(17)} AND version = ${param(18)}
       RETURNING version`,
      [...values, state.paymentId, stored],
    );
    if (updated.length === 0) throw new StaleAggregateError('payment', state.paymentId, stored);
    this.versions.record(payment, numberOf(updated[0]!.version));
  }

  private async one(sql: string, parameters: unknown[]): Promise<Payment | null> {
    const [row] = await this.query<PaymentRow>(sql, parameters);
    if (!row) return null;
    const payment = this.tracked(Payment.restore(paymentSnapshotOf(row)));
    this.versions.record(payment, numberOf(row.version));
    return payment;
  }

  private async query<R = Record<string, unknown>>(sql: string, parameters: unknown[] = []): Promise<R[]> {
    return rowsOf<R>(await this.transactions.manager.query(sql, parameters));
  }
}
