import type { CouponReservation } from '../../domain/coupon-reservation.js';

/**
 * Where each order's coupon reservation lives (one per order id). Joins the transaction of the unit
 * of work it is called in.
 */
export interface CouponReservationRepository {
  /**
   * The reservation of the order, its row locked until the transaction ends; null if none. Two
   * deliveries of steps of one order racing on two instances: the second waits here for the first.
   * (Two first-time deliveries both finding none are settled by the primary key on insert: the
   * loser's transaction fails and its message is retried, then finds the winner's row.)
   */
  findForUpdate(orderId: string): Promise<CouponReservation | null>;
  /** Adds or updates it, and writes its events to the outbox in the same transaction. */
  save(reservation: CouponReservation): Promise<void>;
}
