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
