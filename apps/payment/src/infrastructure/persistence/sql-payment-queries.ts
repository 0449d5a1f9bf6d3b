import { dialectOf, rowsOf, type TransactionHost } from '@shop/persistence';
import { isUuid } from '@shop/shared-kernel';
import { adminPaymentViewOf, paymentViewOf, type AdminPaymentView, type PaymentView } from '../../application/payment.presenters.js';
import type { AdminPaymentsPage, AdminPaymentsRequest, PaymentCursor, PaymentQueries } from '../../application/ports/payment.queries.js';
import { PAYMENT_COLUMNS, paymentSnapshotOf, type PaymentRow } from './payment.rows.js';

/**
 * The read side of payments, straight from the table: no aggregate is loaded, no lock taken. Through
 * `TransactionHost.read`, so that on SQLite's one connection an answer never shows a transaction's
 * uncommitted writes.
 */
export class SqlPaymentQueries implements PaymentQueries {
  constructor(private readonly transactions: TransactionHost) {}

  /** The payment, only if it is `userId`'s (another customer's is not found, as a missing one is). */
  async paymentOfUser(paymentId: string, userId: string): Promise<PaymentView | null> {
    if (!isUuid(paymentId) || !isUuid(userId)) return null;
    const { param } = dialectOf(this.transactions.kind);
    const [row] = await this.rows(`SELECT ${PAYMENT_COLUMNS} FROM payment WHERE payment_id = ${param(1)} AND user_id = ${param(2)}`, [
      paymentId.toLowerCase(),
      userId.toLowerCase(),
    ]);
    return row ? paymentViewOf(paymentSnapshotOf(row)) : null;
  }

  async payment(paymentId: string): Promise<AdminPaymentView | null> {
    if (!isUuid(paymentId)) return null;
    const { param } = dialectOf(this.transactions.kind);
    const [row] = await this.rows(`SELECT ${PAYMENT_COLUMNS} FROM payment WHERE payment_id = ${param(1)}`, [paymentId.toLowerCase()]);
    return row ? adminPaymentViewOf(paymentSnapshotOf(row)) : null;
  }

  /**
   * Newest first by (createdAt, paymentId), after the cursor's payment when given, only those of `status`
   * when given: on the (created_at DESC, payment_id DESC) index, or the (status, …) one. One more row than
   * asked says whether a next page exists.
   */
  async listForAdmin(request: AdminPaymentsRequest): Promise<AdminPaymentsPage> {
    const { param } = dialectOf(this.transactions.kind);
    const conditions: string[] = [];
    const parameters: unknown[] = [];
    if (request.status !== undefined) {
      parameters.push(request.status);
      conditions.push(`status = ${param(parameters.length)}`);
    }
    if (request.cursor !== null) {
      parameters.push(request.cursor.createdAt.getTime(), request.cursor.paymentId.toLowerCase());
      // Row values compare on both databases: strictly older, or as old with a smaller id.
      conditions.push(`(created_at, payment_id) < (${param(parameters.length - 1)}, ${param(parameters.length)})`);
    }
    const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
    const limit = Math.trunc(request.limit);
    const rows = await this.rows(`SELECT ${PAYMENT_COLUMNS} FROM payment${where} ORDER BY created_at DESC, payment_id DESC LIMIT ${limit + 1}`, parameters);
    const items = rows.slice(0, limit).map((row) => adminPaymentViewOf(paymentSnapshotOf(row)));
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    const nextCursor: PaymentCursor | null = last ? { createdAt: paymentSnapshotOf(last).createdAt, paymentId: last.payment_id } : null;
    return { items, nextCursor };
  }

  private rows(sql: string, parameters: unknown[]): Promise<PaymentRow[]> {
    return this.transactions.read(async () => rowsOf<PaymentRow>(await this.transactions.manager.query(sql, parameters)));
  }
}
