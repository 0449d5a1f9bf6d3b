import type { EventOutbox } from '@shop/shared-kernel';
import { InMemoryAggregateRepository, type InMemoryUnitOfWork } from '@shop/testing';
import { Coupon, type CouponSnapshot } from '../../domain/coupon.js';
import type { CouponTemplate } from '../../domain/coupon-template.js';
import { couponIntegrationEvents } from '../coupon.integration-events.js';
import type { CouponRepository, IssueOutcome } from '../ports/coupon.repository.js';
import type { InMemoryCouponTemplateRepository } from './in-memory-coupon-template.repository.js';

/**
 * Coupons in memory, with `issue` keeping the real store's promises: the per-user limit, a grant key
 * used once, the template's stock (its counter in the template fake), and nothing left written on a
 * refusal. The unit of work runs one transaction at a time, which makes each `issue` atomic here.
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

  async issue(coupon: Coupon, template: CouponTemplate, grantKey?: string): Promise<IssueOutcome> {
    this.issues += 1;
    return this.unitOfWork.run(async () => {
      await this.beforeIssue?.();
      if (this.heldBy(template.id, coupon.userId) >= template.perUserLimit) return 'limit_reached';
      if (grantKey !== undefined && this.grantKeys.has(grantKey)) return 'limit_reached';
      // Checked before anything is written, so a refusal leaves nothing behind.
      if (!(await this.templates.incrementIssuedIfInStock(template.id))) return 'sold_out';
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
