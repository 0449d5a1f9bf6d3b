import type { AdminCouponTemplate, ClaimableCouponTemplate, CouponStatus, MyCoupon } from '@shop/contracts';
import type { Coupon } from '../../domain/coupon.js';
import type { CouponTemplate } from '../../domain/coupon-template.js';
import { couponTemplateResponseOf, discountAnswerOf, validityAnswerOf } from '../coupon.presenters.js';
import type { CouponQueries } from '../ports/coupon.queries.js';
import type { InMemoryCouponRepository } from './in-memory-coupon.repository.js';
import type { InMemoryCouponTemplateRepository } from './in-memory-coupon-template.repository.js';

const newestFirst = (a: { createdAt: Date }, b: { createdAt: Date }) => b.createdAt.getTime() - a.createdAt.getTime();

// The read models the SQL queries select directly, built here from the fakes' aggregates.
function adminCouponTemplateOf(template: CouponTemplate, used: number): AdminCouponTemplate {
  return { ...couponTemplateResponseOf(template), issued: template.issued, used };
}

function claimableCouponTemplateOf(template: CouponTemplate): ClaimableCouponTemplate {
  return {
    templateId: template.id,
    name: template.name,
    discount: discountAnswerOf(template),
    perUserLimit: template.perUserLimit,
    validity: validityAnswerOf(template),
    claimEndsAt: template.claimEndsAt?.toISOString() ?? null,
    remainingStock: template.remainingStock,
  };
}

// As the SQL query shows it: AVAILABLE past its end is EXPIRED, though the expiry job has not moved it yet.
const shownStatusOf = (coupon: Coupon, now: Date): CouponStatus =>
  coupon.status === 'AVAILABLE' && coupon.validUntil.getTime() <= now.getTime() ? 'EXPIRED' : coupon.status;

function myCouponOf(coupon: Coupon, now: Date): MyCoupon {
  return {
    couponId: coupon.id,
    templateId: coupon.templateId,
    name: coupon.templateName,
    discount: discountAnswerOf(coupon),
    status: shownStatusOf(coupon, now),
    validFrom: coupon.validFrom.toISOString(),
    validUntil: coupon.validUntil.toISOString(),
    orderId: coupon.orderId,
  };
}

/** The read side over the fakes' stored rows, with the port's filters and order. */
export class InMemoryCouponQueries implements CouponQueries {
  constructor(
    private readonly templates: InMemoryCouponTemplateRepository,
    private readonly coupons: InMemoryCouponRepository,
  ) {}

  async listTemplatesWithCounts(): Promise<AdminCouponTemplate[]> {
    const coupons = this.coupons.all();
    return this.templates
      .all()
      .sort(newestFirst)
      .map((template) => adminCouponTemplateOf(template, coupons.filter((c) => c.templateId === template.id && c.status === 'USED').length));
  }

  async listClaimable(now: Date): Promise<ClaimableCouponTemplate[]> {
    return this.templates
      .all()
      .filter((template) => template.isClaimableAt(now) && !template.isSoldOut && !template.grantOnRegister)
      .sort(newestFirst)
      .map(claimableCouponTemplateOf);
  }

  async listOwnedBy(userId: string, status: CouponStatus | undefined, limit: number, now: Date): Promise<MyCoupon[]> {
    return this.coupons
      .all()
      .filter((coupon) => coupon.userId === userId && (status === undefined || shownStatusOf(coupon, now) === status))
      .sort((a, b) => b.issuedAt.getTime() - a.issuedAt.getTime())
      .slice(0, limit)
      .map((coupon) => myCouponOf(coupon, now));
  }
}
