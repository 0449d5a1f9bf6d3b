import type { DomainErrorStatusMap } from '@shop/http';

/**
 * The HTTP status of each domain error a coupon route can raise; `INVALID_VALUE` is 400 everywhere.
 * The saga's errors never reach HTTP: the reservation refusals (NOT_OWNER, EXPIRED, …) travel as
 * `coupon.reservation-rejected.v1`, and COUPON_NOT_FOUND, INVALID_COUPON_STATE and
 * INVALID_RESERVATION_STATE come only from message handlers.
 */
export const couponErrorStatuses: DomainErrorStatusMap = {
  // Claiming: the request was fine, the campaign says no.
  SOLD_OUT: 409,
  LIMIT_REACHED: 409,
  NOT_CLAIMABLE: 409,
  TEMPLATE_NOT_FOUND: 404,
  // A template the domain refuses to create: bad input, nothing stored.
  INVALID_COUPON_TEMPLATE: 400,
  INVALID_DISCOUNT: 400,
  UNKNOWN_DISCOUNT_KIND: 400,
};
