import type { DomainErrorStatusMap } from '@shop/http';

/**
 * The HTTP status of each domain error a payment route can raise; `INVALID_VALUE` is 400 everywhere.
 * None is a 5xx: a provider failing, refusing or silent is a FAILED payment (201), never an error of this
 * service (the gateway's circuit breaker must not switch payments off because one charge went wrong).
 * NOT_REFUNDABLE and REFUND_AMOUNT_MISMATCH come only from the refund request's message handler (the
 * order never asks a refund the payment cannot give), so they have no status here.
 */
export const paymentErrorStatuses: DomainErrorStatusMap = {
  // Not there, or not the caller's: the same answer, so nobody learns that someone else's order or payment exists.
  ORDER_NOT_FOUND: 404,
  PAYMENT_NOT_FOUND: 404,
  // The sandbox is not part of this deployment: as if the route did not exist.
  SANDBOX_DISABLED: 404,
  // The request was fine, the order's or the payment's state says no.
  NOT_PAYABLE: 409,
  PAYMENT_IN_PROGRESS: 409,
  ALREADY_SETTLED: 409,
  NO_REFUND_PENDING: 409,
  // A callback whose signature is missing, malformed, stale or wrong: nothing else of it was read.
  INVALID_SIGNATURE: 401,
  // Signed by the provider, yet not a callback this service understands.
  INVALID_PAYMENT_CALLBACK: 400,
  // Signed, about a payment of ours, but not what it is for: refused and logged, nothing changes.
  AMOUNT_MISMATCH: 422,
  CURRENCY_MISMATCH: 422,
  // A cursor of the right spelling that no page of this service handed out: the client's mistake.
  INVALID_CURSOR: 400,
};
