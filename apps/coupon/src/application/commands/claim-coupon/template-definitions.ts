import { CouponTemplate } from '../../../domain/coupon-template.js';

const DEFAULT_CAPACITY = 1_000;

/**
 * The definitions of the templates this instance has claimed from, so that a claim does not read its
 * template: name, discount, stock size, per-user limit, validity, claim window and welcome flag never
 * change once a template is created (no route or domain method changes them), so a definition never
 * goes stale, on any number of instances. What does change, the status (pause, resume) and the
 * `issued` counter, is not kept: each definition is held as an ACTIVE template with nothing issued, so
 * `issueCoupon` on it checks only the claim window and the validity against the clock, and the store's
 * conditional stock update decides stock and status (`CouponRepository.issue`). Bounded: past its
 * capacity the oldest definition is forgotten (its template then costs one read again).
 */
export class TemplateDefinitions {
  private readonly definitions = new Map<string, CouponTemplate>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new Error(`capacity must be a whole number ≥ 1, got ${capacity}`);
  }

  /** The definition of a template remembered before, or undefined. */
  get(templateId: string): CouponTemplate | undefined {
    return this.definitions.get(templateId.toLowerCase());
  }

  /** Keeps the definition of `template` (as read from the store) and gives it back. */
  remember(template: CouponTemplate): CouponTemplate {
    const id = template.id.toLowerCase();
    const known = this.definitions.get(id);
    if (known) return known;
    const definition = CouponTemplate.restore({ ...template.toSnapshot(), status: 'ACTIVE', issued: 0 });
    this.definitions.set(id, definition);
    // A Map iterates in insertion order: the first entry is the oldest.
    if (this.definitions.size > this.capacity) this.definitions.delete(this.definitions.keys().next().value!);
    return definition;
  }

  get size(): number {
    return this.definitions.size;
  }
}
