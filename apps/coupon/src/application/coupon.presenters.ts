import type { ClaimCouponResponse, CouponTemplateResponse, Discount as DiscountAnswer, Validity as ValidityAnswer } from '@shop/contracts';
import type { Coupon } from '../domain/coupon.js';
import type { CouponTemplate } from '../domain/coupon-template.js';

/**
 * Domain objects in the shapes of the HTTP contract. The snapshots of the built-in discount kinds and
 * of validity have exactly the contract's shapes; a new discount kind extends the contract's union too.
 */
export const discountAnswerOf = (template: Pick<CouponTemplate, 'discount'>): DiscountAnswer => template.discount.toSnapshot() as unknown as DiscountAnswer;

export const validityAnswerOf = (template: CouponTemplate): ValidityAnswer => template.validity.toSnapshot();

export function couponTemplateResponseOf(template: CouponTemplate): CouponTemplateResponse {
  return {
    templateId: template.id,
    name: template.name,
    discount: discountAnswerOf(template),
    totalStock: template.totalStock,
    perUserLimit: template.perUserLimit,
    validity: validityAnswerOf(template),
    claimStartsAt: template.claimStartsAt?.toISOString() ?? null,
    claimEndsAt: template.claimEndsAt?.toISOString() ?? null,
    grantOnRegister: template.grantOnRegister,
    status: template.status,
    remainingStock: template.remainingStock,
    createdAt: template.createdAt.toISOString(),
  };
}

export function claimCouponResponseOf(coupon: Coupon): ClaimCouponResponse {
  return {
    couponId: coupon.id,
    templateId: coupon.templateId,
    status: 'AVAILABLE',
    validFrom: coupon.validFrom.toISOString(),
    validUntil: coupon.validUntil.toISOString(),
  };
}
