import { DomainError } from '@shop/shared-kernel';

/** A discount's fields are missing, of the wrong type or out of their bounds. */
export class InvalidDiscountError extends DomainError {
  constructor(field: string, message: string) {
    super('INVALID_DISCOUNT', `discount.${field}: ${message}`, { field: `discount.${field}` });
  }
}

/** A discount names a kind no class is registered for (`discountKinds`). */
export class UnknownDiscountKindError extends DomainError {
  constructor(kind: unknown, known: readonly string[]) {
    super('UNKNOWN_DISCOUNT_KIND', `unknown discount kind '${String(kind)}' (known: ${known.join(', ')})`, { field: 'discount.kind', kind: String(kind) });
  }
}

/** A campaign that cannot exist as given: a bad name, stock, limit, validity or claim window. */
export class InvalidCouponTemplateError extends DomainError {
  constructor(field: string, message: string) {
    super('INVALID_COUPON_TEMPLATE', `${field}: ${message}`, { field });
  }
}

export class TemplateNotFoundError extends DomainError {
  constructor(templateId: string) {
    super('TEMPLATE_NOT_FOUND', `coupon template ${templateId} does not exist`, { templateId });
  }
}

/** Why a template cannot be claimed right now. */
export type NotClaimableReason = 'UNKNOWN_TEMPLATE' | 'PAUSED' | 'CLAIM_NOT_STARTED' | 'CLAIM_ENDED' | 'VALIDITY_ENDED' | 'WELCOME_ONLY';

/** Paused, outside its claim window, its fixed validity over, granted only on registration, or no such template. */
export class NotClaimableError extends DomainError {
  constructor(
    templateId: string,
    readonly reason: NotClaimableReason,
  ) {
    super('NOT_CLAIMABLE', `coupon template ${templateId} cannot be claimed now (${reason})`, { templateId, reason });
  }
}

/** Every coupon of the template has been issued; stock never comes back. */
export class SoldOutError extends DomainError {
  constructor(templateId: string) {
    super('SOLD_OUT', `coupon template ${templateId} is sold out`, { templateId });
  }
}

/** The user already holds as many coupons of the template as it allows (or was granted this one already). */
export class LimitReachedError extends DomainError {
  constructor(templateId: string, perUserLimit: number) {
    super('LIMIT_REACHED', `coupon template ${templateId} allows ${perUserLimit} coupon(s) per user`, { templateId, perUserLimit });
  }
}

export class CouponNotFoundError extends DomainError {
  constructor(couponId: string) {
    super('COUPON_NOT_FOUND', `coupon ${couponId} does not exist`, { couponId });
  }
}

/** Why a coupon cannot be locked to an order (the reasons `coupon.reservation-rejected.v1` carries). */
export type CouponRefusalReason = 'NOT_OWNER' | 'EXPIRED' | 'NOT_AVAILABLE' | 'BELOW_MIN_SPEND';

/** Every reason a reservation is rejected: the coupon's refusals, plus what the saga itself knows. */
export type ReservationRejectionReason = 'NOT_FOUND' | CouponRefusalReason | 'ORDER_CANCELLED';

/** The coupon refuses to be locked to the order; `code` is the reason, so it travels as is. */
export class CouponReservationRefusedError extends DomainError {
  constructor(
    couponId: string,
    readonly reason: CouponRefusalReason,
  ) {
    super(reason, `coupon ${couponId} cannot be reserved: ${reason}`, { couponId, reason });
  }
}

/** A coupon was asked for a move its lifecycle does not allow (e.g. confirming a coupon that is not locked to the order). */
export class IllegalCouponTransitionError extends DomainError {
  constructor(couponId: string, action: string, status: string) {
    super('INVALID_COUPON_STATE', `coupon ${couponId} cannot ${action} while ${status}`, { couponId, action, status });
  }
}

/** A reservation was asked for a move its lifecycle does not allow (e.g. refunding one never confirmed). */
export class IllegalReservationTransitionError extends DomainError {
  constructor(orderId: string, action: string, status: string) {
    super('INVALID_RESERVATION_STATE', `the coupon reservation of order ${orderId} cannot ${action} while ${status}`, { orderId, action, status });
  }
}
