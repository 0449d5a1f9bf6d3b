import type { InMemoryUnitOfWork, Transactional } from '@shop/testing';
import { PayableOrder, type PayableOrderSnapshot } from '../../domain/payable-order.js';
import type { PayableOrderRepository } from '../ports/payable-order.repository.js';

/** The projection of payable orders in memory, rolled back with its unit of work. */
export class InMemoryPayableOrderRepository implements PayableOrderRepository, Transactional {
  private readonly rows = new Map<string, PayableOrderSnapshot>();
  private journal: Array<() => void> = [];

  constructor(private readonly unitOfWork: InMemoryUnitOfWork) {
    unitOfWork.enlist(this);
  }

  async findForUpdate(orderId: string): Promise<PayableOrder | null> {
    const row = this.rows.get(orderId.toLowerCase());
    return row === undefined ? null : PayableOrder.restore(row);
  }

  async find(orderId: string): Promise<PayableOrder | null> {
    const row = this.rows.get(orderId.toLowerCase());
    return row === undefined ? null : PayableOrder.restore(row);
  }

  async save(order: PayableOrder): Promise<void> {
    if (!this.unitOfWork.inTransaction) throw new Error('the projection is written inside UnitOfWork.run only');
    const previous = this.rows.get(order.orderId);
    this.journal.push(() => (previous === undefined ? this.rows.delete(order.orderId) : this.rows.set(order.orderId, previous)));
    this.rows.set(order.orderId, order.toSnapshot());
  }

  begin(): () => void {
    const journal: Array<() => void> = [];
    this.journal = journal;
    return () => {
      for (const undo of journal.reverse()) undo();
    };
  }

  /** Puts an order straight into the store, as if its events had been handled earlier. */
  insert(order: PayableOrder): void {
    this.rows.set(order.orderId, order.toSnapshot());
  }

  rowOf(orderId: string): PayableOrderSnapshot | undefined {
    return this.rows.get(orderId);
  }
}
