import type { PayableOrder } from '../../domain/payable-order.js';

/** Where the projection of payable orders lives. Joins the transaction of the unit of work it is called in. */
export interface PayableOrderRepository {
  /**
   * The order, its row locked until the transaction ends; null when none was heard of. Two payments
   * started for one order at once: the second waits here, then finds the first's PENDING payment.
   */
  findForUpdate(orderId: string): Promise<PayableOrder | null>;
  /** The order as stored, unlocked and read-only (what reconciliation and POST /payments' arrival wait read); null when none was heard of. */
  find(orderId: string): Promise<PayableOrder | null>;
  /** Adds or updates the order (an upsert keyed by order id). */
  save(order: PayableOrder): Promise<void>;
}
