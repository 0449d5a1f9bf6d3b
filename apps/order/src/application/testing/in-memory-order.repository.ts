import type { EventOutbox } from '@shop/shared-kernel';
import { InMemoryAggregateRepository, type InMemoryUnitOfWork } from '@shop/testing';
import { Order, type OrderSnapshot } from '../../domain/order.js';
import { orderIntegrationEvents } from '../order.integration-events.js';
import type { OrderRepository } from '../ports/order.repository.js';

/** Orders in memory, one row per order id; the unit of work's one-at-a-time transactions stand in for the row lock. */
export class InMemoryOrderRepository extends InMemoryAggregateRepository<Order, OrderSnapshot> implements OrderRepository {
  constructor(unitOfWork: InMemoryUnitOfWork, outbox: EventOutbox) {
    super(unitOfWork, outbox, orderIntegrationEvents, { toRow: (order) => order.toSnapshot(), fromRow: (row) => Order.restore(row) });
  }

  async findForUpdate(orderId: string): Promise<Order | null> {
    return this.findById(orderId.toLowerCase());
  }

  async orderIdOfPayment(paymentId: string): Promise<string | null> {
    const id = paymentId.toLowerCase();
    return [...this.rows.values()].find((row) => row.payments.some((payment) => payment.paymentId === id))?.orderId ?? null;
  }

  /** As the payments table's key does: one payment id on one order only. */
  protected override async persist(order: Order): Promise<void> {
    for (const { paymentId } of order.payments) {
      const owner = await this.orderIdOfPayment(paymentId);
      if (owner !== null && owner !== order.id) throw new Error(`duplicate key: payment ${paymentId} is recorded on order ${owner}`);
    }
    await super.persist(order);
  }

  async overdue(now: Date, limit: number): Promise<string[]> {
    const due = (row: OrderSnapshot): Date | null =>
      row.status === 'PENDING' ? row.reservationDueAt : row.status === 'AWAITING_PAYMENT' ? row.paymentDueAt : null;
    return [...this.rows.values()]
      .map((row) => ({ orderId: row.orderId, dueAt: due(row) }))
      .filter((row): row is { orderId: string; dueAt: Date } => row.dueAt !== null && row.dueAt <= now)
      .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || a.orderId.localeCompare(b.orderId))
      .slice(0, limit)
      .map((row) => row.orderId);
  }

  /** The stored row as it is. */
  rowOf(orderId: string): OrderSnapshot | undefined {
    return this.rows.get(orderId);
  }

  /** Every stored row. */
  snapshots(): OrderSnapshot[] {
    return [...this.rows.values()];
  }
}
