import type { Coupon } from '../../domain/coupon.js';
import type { CouponTemplate } from '../../domain/coupon-template.js';

/** What became of an attempt to issue a coupon; on a refusal nothing of the attempt is left written. */
export type IssueOutcome = 'issued' | 'sold_out' | 'limit_reached';

/** Where coupons live. Joins the transaction of the unit of work it is called in. */
export interface CouponRepository {
  /**
   * Issues a new coupon of `template` (from `template.issueCoupon`), inside the caller's transaction,
   * atomically under any concurrency and any number of service instances:
   * 1. the user's count of coupons of the template stays below `template.perUserLimit`, else `limit_reached`;
   * 2. `grantKey`, when given, is unique forever (a repeat is `limit_reached`): a welcome grant happens once;
   * 3. the template's `issued` counter is raised by one only while below its total stock, else `sold_out`
   *    (this goes last: it is the row every claimer of a flash sale contends for, held for the shortest time);
   * 4. the coupon and its events are saved (`AggregateRepository`).
   * On `sold_out` or `limit_reached` nothing of this call stays written (the caller may go on in the same
   * transaction, as the welcome grant does for its next template).
   */
  issue(coupon: Coupon, template: CouponTemplate, grantKey?: string): Promise<IssueOutcome>;
  /** The coupon, its row locked until the transaction ends (PostgreSQL; SQLite serialises writers); null if unknown. */
  findByIdForUpdate(id: string): Promise<Coupon | null>;
  /** Updates a known coupon and writes its events to the outbox in the same transaction. */
  save(coupon: Coupon): Promise<void>;
}
