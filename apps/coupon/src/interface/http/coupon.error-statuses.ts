import type { DomainErrorStatusMap } from '@shop/http';

/**
 * The HTTP status of each domain error the coupon context raises; `INVALID_VALUE` is 400 everywhere.
 * The reservation refusals (NOT_OWNER, EXPIRED, …) never reach HTTP: they travel as
 * `coupon.reservation-rejected.v1`.
 */
export const couponErrorStatuses: DomainErrorStatusMap = {
  // Claiming: the request was fine, the campaign says no.
  SOLD_OUT: 409,
  LIMIT_REACHED: 409,
  NOT_CLAIMABLE: 409,
  TEMPLATE_NOT_FOUND: 404,
  COUPON_NOT_FOUND: 404,
  // A template the domain refuses to create: bad input, nothing stored.
  INVALID_COUPON_TEMPLATE: 400,
  INVALID_DISCOUNT: 400,
  UNKNOWN_DISCOUNT_KIND: 400,
  INVALID_COUPON_STATE: 409,
  INVALID_RESERVATION_STATE: 409,
};
