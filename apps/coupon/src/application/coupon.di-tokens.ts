/**
 * DI tokens of the coupon context's ports. UNIT_OF_WORK and EVENT_OUTBOX come from
 * @shop/shared-kernel, the same for every context. `SoldOutTemplates` is its own token (a class).
 */
export const COUPON_TEMPLATE_REPOSITORY = Symbol.for('shop.coupon.CouponTemplateRepository');
export const COUPON_REPOSITORY = Symbol.for('shop.coupon.CouponRepository');
export const COUPON_RESERVATION_REPOSITORY = Symbol.for('shop.coupon.CouponReservationRepository');
export const COUPON_EXPIRY = Symbol.for('shop.coupon.CouponExpiry');
export const COUPON_CLOCK = Symbol.for('shop.coupon.Clock');
export const COUPON_QUERIES = Symbol.for('shop.coupon.CouponQueries');
