import type { Order } from '../../domain/order.js';

/** Where orders live. Joins the transaction of the unit of work it is called in. */
export interface OrderRepository {
  /**
   * The order, its row locked until the transaction ends (FOR UPDATE on PostgreSQL; SQLite has one
   * writer); null if none. A cancel racing a payment: the second waits here, then sees the first's outcome.
   */
  findForUpdate(orderId: string): Promise<Order | null>;
  /**
   * Adds or updates the order, writing its events to the outbox in the same transaction. An update is
   * checked against the version it was loaded at (`StaleAggregateError` when it moved meanwhile).
   */
  save(order: Order): Promise<void>;
  /**
   * The order a payment is recorded on (captured or refused), or null when none. A payment id is the
   * payment context's and belongs to one order: the payment and refund use cases ask this first, so a
   * payment named for a second order is answered, not stored twice (the stored payment's key refuses that).
   */
  orderIdOfPayment(paymentId: string): Promise<string | null>;
  /**
   * Ids of the orders whose deadline has come (`<= now`): PENDING past `reservationDueAt`, AWAITING_PAYMENT
   * past `paymentDueAt`; the oldest due first, at most `limit`.
   */
  overdue(now: Date, limit: number): Promise<string[]>;
}
