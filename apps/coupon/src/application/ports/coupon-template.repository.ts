import type { CouponTemplate } from '../../domain/coupon-template.js';

/** Where campaigns live. Joins the transaction of the unit of work it is called in. */
export interface CouponTemplateRepository {
  /**
   * Adds a new template or updates a known one, and writes the events it recorded to the outbox in the
   * same transaction (`AggregateRepository`). Never writes the `issued` counter of a known template:
   * that moves only through `CouponRepository.issue`.
   */
  save(template: CouponTemplate): Promise<void>;
  /** Null for an unknown id, a malformed one included. */
  findById(id: string): Promise<CouponTemplate | null>;
  /**
   * As `findById`, its row locked until the transaction ends (PostgreSQL; SQLite serialises writers):
   * two admins changing one template at once are run one after the other, the second loading what
   * the first saved, instead of the second's save failing its version check.
   */
  findByIdForUpdate(id: string): Promise<CouponTemplate | null>;
  /** Every ACTIVE template with `grantOnRegister` (claim window and stock are the caller's checks). */
  findActiveGrantOnRegister(): Promise<CouponTemplate[]>;
}
