import type { Payment } from '../../domain/payment.js';

/** Where payments live. Joins the transaction of the unit of work it is called in. */
export interface PaymentRepository {
  /**
   * The payment, its row locked until the transaction ends (FOR UPDATE on PostgreSQL; SQLite has one
   * writer); null if none. A callback racing reconciliation: the second waits here, then sees the first's outcome.
   */
  findForUpdate(paymentId: string): Promise<Payment | null>;
  /**
   * The payment as stored, unlocked, to read only (outside a transaction: the simulate route's owner check,
   * what reconciliation and a refund's try ask the provider about). Never saved: a change is made to a
   * payment loaded with `findForUpdate`, in the transaction that saves it.
   */
  find(paymentId: string): Promise<Payment | null>;
  /** The PENDING payment of the order, if any (at most one: a partial unique index on order_id WHERE status = 'PENDING'). */
  pendingOfOrder(orderId: string): Promise<Payment | null>;
  /** Whether a payment of the order took the money (SUCCEEDED, REFUNDING or REFUNDED): the order is paid for. */
  hasSucceededPayment(orderId: string): Promise<boolean>;
  /**
   * Adds or updates the payment, writing its events to the outbox in the same transaction. An update is
   * checked against the version it was loaded at (`StaleAggregateError` when it moved meanwhile); a second
   * PENDING payment of one order is refused by the store's unique index (a unique violation).
   */
  save(payment: Payment): Promise<void>;
  /** Ids of payments PENDING since before `at` (created_at < at), the oldest first, at most `limit`. */
  pendingCreatedBefore(at: Date, limit: number): Promise<string[]>;
  /** Ids of REFUNDING payments whose next refund try is due (`refund.nextAttemptAt <= at`), the most overdue first, at most `limit`. */
  refundsDue(at: Date, limit: number): Promise<string[]>;
}
