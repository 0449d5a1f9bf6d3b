import type { OrderPoints } from '../../domain/order-points.js';

/**
 * Where each order's points live (one per order id). Joins the transaction of the unit of work it is
 * called in. Every saga step locks this row before the account's: one lock order, no deadlock.
 */
export interface OrderPointsRepository {
  /**
   * The order's points, the row locked until the transaction ends; null if none. Two deliveries of
   * steps of one order racing on two instances: the second waits here for the first. (Two first-time
   * deliveries both finding none are settled by the primary key on insert.)
   */
  findForUpdate(orderId: string): Promise<OrderPoints | null>;
  /** Adds or updates it, and writes its events to the outbox in the same transaction. */
  save(order: OrderPoints): Promise<void>;
}
