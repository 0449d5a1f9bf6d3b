import { Money, newId } from '@shop/shared-kernel';
import { Coupon, type CouponSnapshot } from '../coupon.js';
import { CouponReservation, type CouponReservationSnapshot } from '../coupon-reservation.js';
import { CouponTemplate, type CouponTemplateSnapshot } from '../coupon-template.js';
import { AmountOff } from '../discount/amount-off.js';
import { Validity } from '../validity.js';

const DAY_MS = 24 * 60 * 60 * 1000;
export const MOTHER_EPOCH = new Date('2026-01-01T00:00:00.000Z');

/** The one place that knows how to make valid coupon-context aggregates; tests say only what matters to them. */
export const CouponTemplateMother = {
  /** A stored ACTIVE template (no pending events): 5 yuan off, 100 in stock, 1 per user, valid 30 days from claim. */
  stored(overrides: Partial<CouponTemplateSnapshot> = {}): CouponTemplate {
    return CouponTemplate.restore({
      id: newId(),
      name: 'Spring sale',
      discount: new AmountOff(Money.ofMinor(500)),
      totalStock: 100,
      perUserLimit: 1,
      validity: Validity.relative(30),
      claimStartsAt: null,
      claimEndsAt: null,
      grantOnRegister: false,
      status: 'ACTIVE',
      issued: 0,
      createdAt: MOTHER_EPOCH,
      version: 0,
      ...overrides,
    });
  },
};

export const CouponMother = {
  /** A stored AVAILABLE coupon (no pending events), valid from the epoch for 30 days. */
  stored(overrides: Partial<CouponSnapshot> = {}): Coupon {
    return Coupon.restore({
      id: newId(),
      templateId: newId(),
      templateName: 'Spring sale',
      userId: newId(),
      discount: new AmountOff(Money.ofMinor(500)),
      validFrom: MOTHER_EPOCH,
      validUntil: new Date(MOTHER_EPOCH.getTime() + 30 * DAY_MS),
      status: 'AVAILABLE',
      orderId: null,
      issuedAt: MOTHER_EPOCH,
      version: 0,
      ...overrides,
    });
  },

  /** A coupon of `template`, as if issued to `userId` at the epoch. */
  of(template: CouponTemplate, overrides: Partial<CouponSnapshot> = {}): Coupon {
    const { validFrom, validUntil } = template.validity.windowFrom(overrides.issuedAt ?? MOTHER_EPOCH);
    return CouponMother.stored({ templateId: template.id, templateName: template.name, discount: template.discount, validFrom, validUntil, ...overrides });
  },
};

export const CouponReservationMother = {
  stored(overrides: Partial<CouponReservationSnapshot> = {}): CouponReservation {
    return CouponReservation.restore({
      orderId: newId(),
      couponId: newId(),
      userId: newId(),
      status: 'RESERVED',
      discount: Money.ofMinor(500),
      reason: null,
      createdAt: MOTHER_EPOCH,
      updatedAt: MOTHER_EPOCH,
      ...overrides,
    });
  },
};
