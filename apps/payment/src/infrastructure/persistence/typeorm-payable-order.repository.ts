import { dialectOf, inList, rowsOf, type TransactionHost } from '@shop/persistence';
import { isUuid } from '@shop/shared-kernel';
import type { PayableOrderRepository } from '../../application/ports/payable-order.repository.js';
import { PayableOrder } from '../../domain/payable-order.js';
import { PAYABLE_ORDER_COLUMNS, payableOrderSnapshotOf, payableOrderValues, type PayableOrderRow } from './payment.rows.js';

/**
 * The projection of payable orders (`payment_payable_order`), through the current transaction. A save is an
 * upsert keyed by the order id that never overwrites a closed order (PAID, CANCELLED are final in the domain,
 * and here too): two first events of one order handled at once on two instances (an awaiting and its
 * cancellation) cannot reopen a cancelled order, whichever commits last.
 */
export class TypeOrmPayableOrderRepository implements PayableOrderRepository {
  constructor(private readonly transactions: TransactionHost) {}

  async findForUpdate(orderId: string): Promise<PayableOrder | null> {
    if (!isUuid(orderId)) return null;
    const { param, kind } = dialectOf(this.transactions.kind);
    // SQLite has one writer at a time (libs/persistence queues its transactions): no row lock needed there.
    const lock = kind === 'postgres' ? ' FOR UPDATE' : '';
    const [row] = await this.query<PayableOrderRow>(`SELECT ${PAYABLE_ORDER_COLUMNS} FROM payment_payable_order WHERE order_id = ${param(1)}${lock}`, [
      orderId.toLowerCase(),
    ]);
    return row ? PayableOrder.restore(payableOrderSnapshotOf(row)) : null;
  }

  /**
   * Unlocked, to read only (reconciliation asks whether the order is closed, and POST /payments' arrival wait
   * whether it has arrived): inside the current transaction, or a read of its own.
   */
  async find(orderId: string): Promise<PayableOrder | null> {
    if (!isUuid(orderId)) return null;
    const { param } = dialectOf(this.transactions.kind);
    const [row] = await this.transactions.read(() =>
      this.query<PayableOrderRow>(`SELECT ${PAYABLE_ORDER_COLUMNS} FROM payment_payable_order WHERE order_id = ${param(1)}`, [orderId.toLowerCase()]),
    );
    return row ? PayableOrder.restore(payableOrderSnapshotOf(row)) : null;
  }

  async save(order: PayableOrder): Promise<void> {
    const dialect = dialectOf(this.transactions.kind);
    await this.query(
      `INSERT INTO payment_payable_order (${PAYABLE_ORDER_COLUMNS}) VALUES ${inList(dialect, 6)}
       ON CONFLICT (order_id) DO UPDATE SET payable = excluded.payable, payment_due_at = excluded.payment_due_at, state = excluded.state,
         updated_at = excluded.updated_at
       WHERE payment_payable_order.state = 'AWAITING_PAYMENT'`,
      payableOrderValues(order.toSnapshot()),
    );
  }

  private async query<R = Record<string, unknown>>(sql: string, parameters: unknown[] = []): Promise<R[]> {
    return rowsOf<R>(await this.transactions.manager.query(sql, parameters));
  }
}
