import type { EventOutbox } from '@shop/shared-kernel';
import { InMemoryAggregateRepository, type InMemoryUnitOfWork } from '@shop/testing';
import { Coupon, type CouponSnapshot } from '../../domain/coupon.js';
import type { CouponTemplate } from '../../domain/coupon-template.js';
import { couponIntegrationEvents } from '../coupon.integration-events.js';
import { RefusedIssueCommitError, type CouponRepository, type IssueOptions, type IssueOutcome } from '../ports/coupon.repository.js';
import type { InMemoryCouponTemplateRepository } from './in-memory-coupon-template.repository.js';

/**
 * Coupons in memory, with `issue` keeping the real store's promises: the per-user limit, a grant key
 * used once, the template's stock and status (its counter in the template fake), and on a refusal
 * either nothing left written (`undoOnRefusal`) or a transaction that can no longer commit
 * (`RefusedIssueCommitError`, as the real store: its writes are still in it). The unit of work runs
 * one transaction at a time, which makes each `issue` atomic here.
 */
export class InMemoryCouponRepository extends InMemoryAggregateRepository<Coupon, CouponSnapshot> implements CouponRepository {
  /** How many times `issue` was called. */
  issues = 0;
  /** Runs at the start of each `issue`: lets a test slip in what a concurrent claim would do. */
  beforeIssue: (() => Promise<void> | void) | undefined;
  private readonly grantKeys = new Set<string>();
  private grantKeysAdded: string[] = [];

  constructor(
    unitOfWork: InMemoryUnitOfWork,
    outbox: EventOutbox,
    private readonly templates: InMemoryCouponTemplateRepository,
  ) {
    super(unitOfWork, outbox, couponIntegrationEvents, { toRow: (coupon) => coupon.toSnapshot(), fromRow: (row) => Coupon.restore(row) });
  }

  async issue(coupon: Coupon, template: CouponTemplate, options: IssueOptions = {}): Promise<IssueOutcome> {
    const { grantKey, undoOnRefusal = false } = options;
    this.issues += 1;
    return this.unitOfWork.run(async () => {
      await this.beforeIssue?.();
      // Checked before anything is written, so nothing is left to undo; without undoOnRefusal the
      // transaction is kept from committing all the same, as the real store's is.
      const refused = (outcome: Exclude<IssueOutcome, 'issued'>): IssueOutcome => {
        if (!undoOnRefusal)
          this.unitOfWork.beforeCommit(() => {
            throw new RefusedIssueCommitError(coupon.id, outcome);
          });
        return outcome;
      };
      if (this.heldBy(template.id, coupon.userId) >= template.perUserLimit) return refused('limit_reached');
      if (grantKey !== undefined && this.grantKeys.has(grantKey)) return refused('limit_reached');
      const taken = await this.templates.takeOneIfClaimable(template.id);
      if (taken !== 'taken') return refused(taken);
      if (grantKey !== undefined) {
        this.grantKeys.add(grantKey);
        this.grantKeysAdded.push(grantKey);
      }
      await this.save(coupon);
      return 'issued';
    });
  }

  async findByIdForUpdate(id: string): Promise<Coupon | null> {
    return this.findById(id.toLowerCase());
  }

  /** How many coupons of the template the user holds (every status counts against the limit). */
  heldBy(templateId: string, userId: string): number {
    return [...this.rows.values()].filter((row) => row.templateId === templateId && row.userId === userId).length;
  }

  hasGrantKey(grantKey: string): boolean {
    return this.grantKeys.has(grantKey);
  }

  override begin(): () => void {
    const undoRows = super.begin();
    const added: string[] = [];
    this.grantKeysAdded = added;
    return () => {
      undoRows();
      for (const key of added) this.grantKeys.delete(key);
    };
  }
}
