import { dialectOf, inList, numberOf, rowsOf, StaleAggregateError, StoredVersions, type TransactionHost } from '@shop/persistence';
import { AggregateRepository, isUuid, type EventOutbox } from '@shop/shared-kernel';
import { orderIntegrationEvents } from '../../application/order.integration-events.js';
import type { OrderRepository } from '../../application/ports/order.repository.js';
import { Order, type OrderSnapshot } from '../../domain/order.js';
import { HISTORY_COLUMNS, LINE_COLUMNS, ORDER_COLUMNS, PAYMENT_COLUMNS, orderValues, snapshotsOf, type OrderRow } from './order.rows.js';

/**
 * Orders in the service's own database, through the current transaction: the `orders` row with its
 * lines, history and payments. A save writes the order's events (order.placed.v1, order.cancelled.v1, …)
 * to the outbox in the same transaction (`AggregateRepository`).
 *
 * New: inserted whole (no upsert: a second insert of one id fails on the primary key). Loaded or saved
 * before: its row updated at the version it was stored at (`StaleAggregateError` when it moved), the
 * history entries since the last save appended (history is append-only: nothing else writes it), its new
 * payments inserted and its stored ones updated (a payment's refund moves on). Lines never change after placing.
 */
export class TypeOrmOrderRepository extends AggregateRepository<Order> implements OrderRepository {
  private readonly versions: StoredVersions<Order>;
  /** How many history entries of each order are stored: the next save appends the ones after. */
  private readonly storedHistory: StoredVersions<Order>;
  /** How many payments of each order are stored (payments are only ever appended): the next save inserts the ones after. */
  private readonly storedPayments: StoredVersions<Order>;

  constructor(
    private readonly transactions: TransactionHost,
    outbox: EventOutbox,
  ) {
    super(transactions, outbox, orderIntegrationEvents);
    this.versions = new StoredVersions(transactions);
    this.storedHistory = new StoredVersions(transactions);
    this.storedPayments = new StoredVersions(transactions);
  }

  async findForUpdate(orderId: string): Promise<Order | null> {
    if (!isUuid(orderId)) return null;
    const { param, kind } = dialectOf(this.transactions.kind);
    // SQLite has one writer at a time (libs/persistence queues its transactions): no row lock needed there.
    const lock = kind === 'postgres' ? ' FOR UPDATE' : '';
    const rows = await this.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE order_id = ${param(1)}${lock}`, [orderId.toLowerCase()]);
    if (rows.length === 0) return null;
    const [snapshot] = await snapshotsOf((sql, parameters) => this.query(sql, parameters), kind, rows);
    const order = this.tracked(Order.restore(snapshot!));
    this.versions.record(order, numberOf(rows[0]!.version));
    this.storedHistory.record(order, snapshot!.history.length);
    this.storedPayments.record(order, snapshot!.payments.length);
    return order;
  }

  /** The order a payment is recorded for, if any (payment ids are the payment context's, unique across orders). */
  async orderIdOfPayment(paymentId: string): Promise<string | null> {
    if (!isUuid(paymentId)) return null;
    const { param } = dialectOf(this.transactions.kind);
    const rows = await this.query<{ order_id: string }>(`SELECT order_id FROM order_payment WHERE payment_id = ${param(1)}`, [paymentId]);
    return rows[0]?.order_id ?? null;
  }

  async overdue(now: Date, limit: number): Promise<string[]> {
    const { param } = dialectOf(this.transactions.kind);
    const n = Math.trunc(limit);
    // Each side on its partial index (only the orders waiting on something), oldest due first; then merged.
    // SQLite binds each `?` once: each use of the time has its own parameter.
    const rows = await this.query<{ order_id: string }>(
      `SELECT order_id FROM (
         SELECT order_id, due_at FROM (
           SELECT order_id, reservation_due_at AS due_at FROM orders
           WHERE status = 'PENDING' AND reservation_due_at <= ${param(1)} ORDER BY reservation_due_at, order_id LIMIT ${n}
         ) AS reservations
         UNION ALL
         SELECT order_id, due_at FROM (
           SELECT order_id, payment_due_at AS due_at FROM orders
           WHERE status = 'AWAITING_PAYMENT' AND payment_due_at <= ${param(2)} ORDER BY payment_due_at, order_id LIMIT ${n}
         ) AS payments
       ) AS due
       ORDER BY due_at, order_id LIMIT ${n}`,
      [now.getTime(), now.getTime()],
    );
    return rows.map((row) => row.order_id);
  }

  protected async persist(order: Order): Promise<void> {
    const dialect = dialectOf(this.transactions.kind);
    const { param } = dialect;
    const state = order.toSnapshot();
    const stored = this.versions.of(order);
    if (stored === undefined) {
      await this.query(`INSERT INTO orders (${ORDER_COLUMNS}) VALUES ${inList(dialect, 16)}`, [
        ...orderValues(state),
        0,
        state.placedAt.getTime(),
        state.updatedAt.getTime(),
      ]);
      for (const [i, line] of state.lines.entries()) {
        await this.query(`INSERT INTO order_line (${LINE_COLUMNS}) VALUES ${inList(dialect, 7)}`, [
          state.orderId,
          i + 1,
          line.sku,
          line.name,
          line.quantity,
          line.unitPrice,
          line.lineTotal,
        ]);
      }
      this.versions.record(order, 0);
    } else {
      const updated = await this.query<{ version: string | number }>(
        `UPDATE orders SET status = ${param(1)}, coupon_step = ${param(2)}, coupon_discount = ${param(3)}, points_step = ${param(4)},
           payable = ${param(5)}, cancel_reason = ${param(6)}, reservation_due_at = ${param(7)}, payment_due_at = ${param(8)},
           version = version + 1, updated_at = ${param(9)}
         WHERE order_id = ${param(10)} AND version = ${param(11)}
         RETURNING version`,
        [
          state.status,
          state.couponStep,
          state.couponDiscount,
          state.pointsStep,
          state.payable,
          state.cancelReason,
          state.reservationDueAt?.getTime() ?? null,
          state.paymentDueAt?.getTime() ?? null,
          state.updatedAt.getTime(),
          state.orderId,
          stored,
        ],
      );
      if (updated.length === 0) throw new StaleAggregateError('orders', state.orderId, stored);
      this.versions.record(order, numberOf(updated[0]!.version));
    }
    await this.appendHistory(order, state);
    await this.writePayments(order, state);
  }

  /** The entries since the last save, numbered on from the stored ones (the primary key refuses a number twice). */
  private async appendHistory(order: Order, state: OrderSnapshot): Promise<void> {
    const dialect = dialectOf(this.transactions.kind);
    const storedCount = this.storedHistory.of(order) ?? 0;
    for (let i = storedCount; i < state.history.length; i++) {
      const entry = state.history[i]!;
      await this.query(`INSERT INTO order_history (${HISTORY_COLUMNS}) VALUES ${inList(dialect, 5)}`, [
        state.orderId,
        i + 1,
        entry.status,
        entry.reason,
        entry.at.getTime(),
      ]);
    }
    this.storedHistory.record(order, state.history.length);
  }

  /**
   * The payments since the last save inserted, the stored ones brought up to date. A payment id is the
   * payment context's and unique: the handlers check `orderIdOfPayment` first, and the primary key stays
   * the backstop (a payment another order holds fails the insert, and the whole save with it).
   */
  private async writePayments(order: Order, state: OrderSnapshot): Promise<void> {
    const dialect = dialectOf(this.transactions.kind);
    const { param } = dialect;
    const storedCount = this.storedPayments.of(order) ?? 0;
    for (const [i, payment] of state.payments.entries()) {
      if (i < storedCount) {
        await this.query(
          `UPDATE order_payment SET amount = ${param(1)}, captured = ${param(2)}, refund_status = ${param(3)}, refund_reason = ${param(4)},
             updated_at = ${param(5)}
           WHERE payment_id = ${param(6)} AND order_id = ${param(7)}`,
          [payment.amount, payment.captured, payment.refundStatus, payment.refundReason, payment.updatedAt.getTime(), payment.paymentId, state.orderId],
        );
      } else {
        await this.query(`INSERT INTO order_payment (${PAYMENT_COLUMNS}) VALUES ${inList(dialect, 9)}`, [
          payment.paymentId,
          state.orderId,
          i + 1,
          payment.amount,
          payment.captured,
          payment.refundStatus,
          payment.refundReason,
          payment.recordedAt.getTime(),
          payment.updatedAt.getTime(),
        ]);
      }
    }
    this.storedPayments.record(order, state.payments.length);
  }

  private async query<R = Record<string, unknown>>(sql: string, parameters: unknown[] = []): Promise<R[]> {
    return rowsOf<R>(await this.transactions.manager.query(sql, parameters));
  }
}
