import type { DomainErrorStatusMap } from '@shop/http';

/**
 * The HTTP status of each domain error a points route can raise; `INVALID_VALUE` is 400 everywhere.
 * The saga's errors never reach HTTP: INSUFFICIENT_POINTS travels as `points.reservation-rejected.v1`,
 * and INVALID_POINTS, INSUFFICIENT_FROZEN_POINTS and ILLEGAL_ORDER_POINTS_TRANSITION come only from
 * message handlers (where they are failures to retry, not answers).
 */
export const pointsErrorStatuses: DomainErrorStatusMap = {
  // A cursor of the right spelling that no page of this service handed out: the client's mistake.
  INVALID_CURSOR: 400,
};
