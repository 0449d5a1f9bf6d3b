import { dialectOf, type TransactionHost, rowsOf } from '@shop/persistence';
import type { CouponExpiry } from '../../application/ports/coupon-expiry.js';

/**
 * Expires AVAILABLE coupons past their end in bulk, one bounded UPDATE per call, in the caller's
 * transaction (the expiry job's, fenced by its lease). A LOCKED coupon is never touched: its order
 * decides (released, it is AVAILABLE again and a later run expires it).
 *
 * On PostgreSQL the batch is chosen `FOR UPDATE SKIP LOCKED`: rows another instance is expiring, or a
 * saga step holds (`findByIdForUpdate`), are passed over rather than waited for, and the outer
 * condition is checked again on the locked rows, so a coupon locked to an order meanwhile stays LOCKED.
 * SQLite runs one transaction at a time, so the same statement without the lock clause is enough.
 * No domain events: a coupon's expiry tells no other context anything (`CouponExpired` maps to none).
 */
export class SqlCouponExpiry implements CouponExpiry {
  constructor(private readonly transactions: TransactionHost) {}

  async expireDue(now: Date, limit: number): Promise<number> {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`expireDue: limit must be a positive integer, not ${limit}`);
    const { param, kind } = dialectOf(this.transactions.kind);
    const skipLocked = kind === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
    const at = now.getTime();
    return this.transactions.run(async () => {
      // The batch is a materialised CTE, evaluated once: as an `IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`
      // subquery PostgreSQL may run it again per row and update more than n rows (seen: 366 for 25).
      const expired = rowsOf<{ id: string }>(
        await this.transactions.manager.query(
          `WITH due AS MATERIALIZED (
             SELECT id FROM coupon WHERE status = 'AVAILABLE' AND valid_until <= ${param(1)} ORDER BY valid_until LIMIT ${param(2)}${skipLocked}
           )
           UPDATE coupon SET status = 'EXPIRED', version = version + 1, updated_at = ${param(3)}
           WHERE id IN (SELECT id FROM due) AND status = 'AVAILABLE'
           RETURNING id`,
          [at, limit, at],
        ),
      );
      return expired.length;
    });
  }
}
