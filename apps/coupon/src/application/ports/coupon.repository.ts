import type { Coupon } from '../../domain/coupon.js';
import type { CouponTemplate } from '../../domain/coupon-template.js';

/** What became of an attempt to issue a coupon. */
export type IssueOutcome = 'issued' | 'sold_out' | 'limit_reached' | 'not_claimable';

export interface IssueOptions {
  /** Unique forever when given (a repeat is `limit_reached`): a welcome grant happens once. */
  readonly grantKey?: string;
  /**
   * On a refusal, undo what this call wrote (a savepoint) so that the caller may go on in the same
   * transaction and commit, as the welcome grant does for its next campaign. Costs two statements
   * more per call; the flash sale's claim goes without (it throws on a refusal, rolling back whole).
   */
  readonly undoOnRefusal?: boolean;
}

/**
 * A transaction was about to commit after `CouponRepository.issue` refused without `undoOnRefusal`:
 * the refused attempt's writes are still in it, so it is rolled back instead (a caller that goes on
 * after a refusal must ask for `undoOnRefusal`).
 */
export class RefusedIssueCommitError extends Error {
  constructor(
    readonly couponId: string,
    readonly outcome: IssueOutcome,
  ) {
    super(`coupon ${couponId} was refused (${outcome}) without undoOnRefusal: its transaction must roll back, not commit`);
    this.name = 'RefusedIssueCommitError';
  }
}

/** Where coupons live. Joins the transaction of the unit of work it is called in. */
export interface CouponRepository {
  /**
   * Issues a new coupon of `template` (from `template.issueCoupon`), inside the caller's transaction,
   * atomically under any concurrency and any number of service instances. Of `template` only its
   * definition is used (id, per-user limit), which never changes: it may come from a cache; its status
   * and stock are the store's:
   * 1. the user's count of coupons of the template stays below `template.perUserLimit`, else `limit_reached`;
   * 2. `options.grantKey`, when given, is unique forever (a repeat is `limit_reached`);
   * 3. the coupon and its events are saved (`AggregateRepository`);
   * 4. last, the template's `issued` counter is raised by one only while below its total stock and the
   *    template is ACTIVE, else `sold_out` (no stock left) or `not_claimable` (paused, or no such template),
   *    told apart by one read on that path. Last because it is the row every claimer of a flash sale
   *    contends for: it is then held only until the commit.
   * On a refusal the attempt's writes are undone with `options.undoOnRefusal`; without it they stay in
   * the transaction, which must then roll back: the caller throws (a commit fails with `RefusedIssueCommitError`).
   */
  issue(coupon: Coupon, template: CouponTemplate, options?: IssueOptions): Promise<IssueOutcome>;
  /** The coupon, its row locked until the transaction ends (PostgreSQL; SQLite serialises writers); null if unknown. */
  findByIdForUpdate(id: string): Promise<Coupon | null>;
  /** Updates a known coupon and writes its events to the outbox in the same transaction. */
  save(coupon: Coupon): Promise<void>;
}
