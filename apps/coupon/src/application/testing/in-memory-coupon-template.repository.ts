import type { EventOutbox } from '@shop/shared-kernel';
import { InMemoryAggregateRepository, type InMemoryUnitOfWork } from '@shop/testing';
import { CouponTemplate, type CouponTemplateSnapshot } from '../../domain/coupon-template.js';
import { couponIntegrationEvents } from '../coupon.integration-events.js';
import type { CouponTemplateRepository } from '../ports/coupon-template.repository.js';

/**
 * Templates in memory, saved as the real repository saves them (events to the outbox through the
 * context's mapping). Like the real store it owns the `issued` counter: saving a known template keeps
 * the stored count, and only `takeOneIfClaimable` (called by the coupon fake's `issue`) and
 * `incrementIssuedIfInStock` (tests) move it.
 */
export class InMemoryCouponTemplateRepository extends InMemoryAggregateRepository<CouponTemplate, CouponTemplateSnapshot> implements CouponTemplateRepository {
  /** How many times a use case looked a template up: the sold-out memory must spare these. */
  lookups = 0;
  /** How many of those look-ups locked the template's row (`findByIdForUpdate`). */
  lockedLookups = 0;

  constructor(unitOfWork: InMemoryUnitOfWork, outbox: EventOutbox) {
    super(unitOfWork, outbox, couponIntegrationEvents, { toRow: (template) => template.toSnapshot(), fromRow: (row) => CouponTemplate.restore(row) });
  }

  override async findById(id: string): Promise<CouponTemplate | null> {
    this.lookups += 1;
    return super.findById(id.toLowerCase());
  }

  /** The unit of work runs one transaction at a time, so the lock is only counted (`lockedLookups`). */
  async findByIdForUpdate(id: string): Promise<CouponTemplate | null> {
    this.lockedLookups += 1;
    return this.findById(id);
  }

  async findActiveGrantOnRegister(): Promise<CouponTemplate[]> {
    this.lookups += 1;
    return [...this.rows.values()].filter((row) => row.status === 'ACTIVE' && row.grantOnRegister).map((row) => this.tracked(CouponTemplate.restore(row)));
  }

  /**
   * The store's conditional increment as `issue` makes it: one more issued while below the total stock
   * and ACTIVE, else why not (an unknown template is `not_claimable`). Rolls back with the unit of work.
   */
  async takeOneIfClaimable(templateId: string): Promise<'taken' | 'sold_out' | 'not_claimable'> {
    const row = this.rows.get(templateId);
    if (!row) return 'not_claimable';
    if (row.issued >= row.totalStock) return 'sold_out';
    if (row.status !== 'ACTIVE') return 'not_claimable';
    await super.persist(CouponTemplate.restore({ ...row, issued: row.issued + 1 }));
    return 'taken';
  }

  /** One more issued while below the total stock, whatever the status (what a concurrent claim does, for tests). Rolls back with the unit of work. */
  async incrementIssuedIfInStock(templateId: string): Promise<boolean> {
    const row = this.rows.get(templateId);
    if (!row || row.issued >= row.totalStock) return false;
    // Through the base's persist, so it is journalled (and rolled back) in order with the saves.
    await super.persist(CouponTemplate.restore({ ...row, issued: row.issued + 1 }));
    return true;
  }

  /** What the store's counter says now. */
  issuedOf(templateId: string): number | undefined {
    return this.rows.get(templateId)?.issued;
  }

  protected override async persist(template: CouponTemplate): Promise<void> {
    const stored = this.rows.get(template.id);
    await super.persist(stored ? CouponTemplate.restore({ ...template.toSnapshot(), issued: stored.issued }) : template);
  }
}
