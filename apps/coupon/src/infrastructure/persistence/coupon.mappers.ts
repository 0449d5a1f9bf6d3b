import { Money } from '@shop/shared-kernel';
import { COUPON_RESERVATION_STATUSES, CouponReservation, type CouponReservationStatus } from '../../domain/coupon-reservation.js';
import { COUPON_TEMPLATE_STATUSES, CouponTemplate, type CouponTemplateStatus } from '../../domain/coupon-template.js';
import { COUPON_STATUSES, Coupon, type CouponStatus } from '../../domain/coupon.js';
import type { ReservationRejectionReason } from '../../domain/coupon.errors.js';
import type { DiscountSnapshot } from '../../domain/discount/discount.js';
import { discountKinds, type DiscountKinds } from '../../domain/discount/discount-kinds.js';
import { Validity, type ValiditySnapshot } from '../../domain/validity.js';
import type { CouponRecord, CouponReservationRecord, CouponTemplateRecord } from './coupon.records.js';

/** A stored value the domain does not know: the row was written by something other than this code. */
function oneOf<T extends string>(column: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`unexpected ${column} ${JSON.stringify(value)} in the coupon database`);
  return value as T;
}

const dateOrNull = (millis: number | null): Date | null => (millis === null ? null : new Date(millis));
const millisOrNull = (date: Date | null): number | null => (date === null ? null : date.getTime());

/** Between the domain's `CouponTemplate` and a row of `coupon_template`. */
export const CouponTemplateMapper = {
  toRecord(template: CouponTemplate): CouponTemplateRecord {
    return {
      id: template.id,
      name: template.name,
      discount: JSON.stringify(template.discount.toSnapshot()),
      totalStock: template.totalStock,
      issued: template.issued,
      perUserLimit: template.perUserLimit,
      validity: JSON.stringify(template.validity.toSnapshot()),
      claimStartsAt: millisOrNull(template.claimStartsAt),
      claimEndsAt: millisOrNull(template.claimEndsAt),
      grantOnRegister: template.grantOnRegister,
      status: template.status,
      createdAt: template.createdAt.getTime(),
      version: template.version,
    };
  },

  toDomain(record: CouponTemplateRecord, kinds: DiscountKinds = discountKinds): CouponTemplate {
    return CouponTemplate.restore({
      id: record.id,
      name: record.name,
      discount: kinds.fromSnapshot(JSON.parse(record.discount) as DiscountSnapshot),
      totalStock: record.totalStock,
      perUserLimit: record.perUserLimit,
      validity: Validity.fromSnapshot(JSON.parse(record.validity) as ValiditySnapshot),
      claimStartsAt: dateOrNull(record.claimStartsAt),
      claimEndsAt: dateOrNull(record.claimEndsAt),
      grantOnRegister: record.grantOnRegister,
      status: oneOf<CouponTemplateStatus>('coupon_template.status', record.status, COUPON_TEMPLATE_STATUSES),
      issued: record.issued,
      createdAt: new Date(record.createdAt),
      version: record.version,
    });
  },
};

/** Between the domain's `Coupon` and a row of `coupon` (`grantKey` is the repository's: the coupon does not know how it was handed out). */
export const CouponMapper = {
  toRecord(coupon: Coupon, updatedAt: Date, grantKey: string | null = null): CouponRecord {
    return {
      id: coupon.id,
      templateId: coupon.templateId,
      userId: coupon.userId,
      templateName: coupon.templateName,
      discount: JSON.stringify(coupon.discount.toSnapshot()),
      validFrom: coupon.validFrom.getTime(),
      validUntil: coupon.validUntil.getTime(),
      status: coupon.status,
      orderId: coupon.orderId,
      grantKey,
      version: coupon.version,
      createdAt: coupon.issuedAt.getTime(),
      updatedAt: updatedAt.getTime(),
    };
  },

  toDomain(record: CouponRecord, kinds: DiscountKinds = discountKinds): Coupon {
    return Coupon.restore({
      id: record.id,
      templateId: record.templateId,
      templateName: record.templateName,
      userId: record.userId,
      discount: kinds.fromSnapshot(JSON.parse(record.discount) as DiscountSnapshot),
      validFrom: new Date(record.validFrom),
      validUntil: new Date(record.validUntil),
      status: oneOf<CouponStatus>('coupon.status', record.status, COUPON_STATUSES),
      orderId: record.orderId,
      issuedAt: new Date(record.createdAt),
      version: record.version,
    });
  },
};

/** Between the domain's `CouponReservation` and a row of `coupon_reservation`. */
export const CouponReservationMapper = {
  toRecord(reservation: CouponReservation): CouponReservationRecord {
    return {
      orderId: reservation.orderId,
      couponId: reservation.couponId,
      userId: reservation.userId,
      status: reservation.status,
      discount: reservation.discount?.minor ?? null,
      reason: reservation.reason,
      // The domain keeps no version for reservations: the repository tracks it (`StoredVersions`).
      version: 0,
      createdAt: reservation.createdAt.getTime(),
      updatedAt: reservation.updatedAt.getTime(),
    };
  },

  toDomain(record: CouponReservationRecord): CouponReservation {
    return CouponReservation.restore({
      orderId: record.orderId,
      couponId: record.couponId,
      userId: record.userId,
      status: oneOf<CouponReservationStatus>('coupon_reservation.status', record.status, COUPON_RESERVATION_STATUSES),
      discount: record.discount === null ? null : Money.ofMinor(record.discount),
      // Written only from the domain's reasons; the reservation does not check it again.
      reason: record.reason as ReservationRejectionReason | null,
      createdAt: new Date(record.createdAt),
      updatedAt: new Date(record.updatedAt),
    });
  },
};
