import type { DomainErrorStatusMap } from '@shop/http';

/**
 * The HTTP status of each domain error an order route can raise; `INVALID_VALUE` is 400 everywhere.
 * The saga's errors never reach HTTP: a reservation refused travels as a cancellation reason, and
 * ORDER_NOT_AWAITING_PAYMENT_YET and the refund-before-payment error come only from message handlers
 * (where they are failures to retry, not answers).
 */
export const orderErrorStatuses: DomainErrorStatusMap = {
  // Not there, or not the caller's: the same answer, so nobody learns that someone else's order exists.
  ORDER_NOT_FOUND: 404,
  PRODUCT_NOT_FOUND: 404,
  // The request was fine, the order's status says no (cancel after payment, ship before accept, …).
  INVALID_STATE: 409,
  SKU_TAKEN: 409,
  // Refused, not merged: merging could pass the 99-per-line cap unseen and hides a client's bug.
  DUPLICATE_SKU: 400,
  // Well-formed, but the catalog or the order's own figures say no.
  UNKNOWN_SKU: 422,
  POINTS_EXCEED_SUBTOTAL: 422,
  // A cursor of the right spelling that no page of this service handed out: the client's mistake.
  INVALID_CURSOR: 400,
};
