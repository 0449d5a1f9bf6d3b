import { DomainError } from '@shop/shared-kernel';
import type { PaymentStatus } from './payment-status.js';

// The payment context's expected failures. Each `code` is stable: the HTTP mapping
// (interface/http/payment.error-statuses.ts) and clients key on it.

/** No such order here, or not the caller's: another customer's order is not found either (no leak of its existence). */
export class OrderNotFoundError extends DomainError {
  constructor(orderId: string) {
    super('ORDER_NOT_FOUND', `order ${orderId} was not found`, { orderId });
  }
}

/** The order does not await payment (paid, cancelled, past its payment deadline), or a payment of it succeeded already. */
export class OrderNotPayableError extends DomainError {
  constructor(orderId: string, why: string) {
    super('NOT_PAYABLE', `order ${orderId} cannot be paid: ${why}`, { orderId });
  }
}

/**
 * A payment of the order is PENDING at the provider: one attempt at a time. `paymentId` is the pending one
 * when known (left out when only the store's unique index refused the second attempt).
 */
export class PaymentInProgressError extends DomainError {
  constructor(orderId: string, paymentId?: string) {
    super(
      'PAYMENT_IN_PROGRESS',
      `order ${orderId} has a payment in progress${paymentId === undefined ? '' : ` (${paymentId})`}; wait for it to settle`,
      paymentId === undefined ? { orderId } : { orderId, paymentId },
    );
  }
}

/** No such payment, or (for a customer) not theirs. */
export class PaymentNotFoundError extends DomainError {
  constructor(paymentId: string) {
    super('PAYMENT_NOT_FOUND', `payment ${paymentId} was not found`, { paymentId });
  }
}

/** The sandbox provider is off (`PAYMENT_SANDBOX`): nothing can be simulated. */
export class SandboxDisabledError extends DomainError {
  constructor() {
    super('SANDBOX_DISABLED', 'the sandbox payment provider is not enabled on this service');
  }
}

/** The sandbox charge was settled with the other outcome already. */
export class AlreadySettledError extends DomainError {
  constructor(paymentId: string, settledAs: string) {
    super('ALREADY_SETTLED', `payment ${paymentId} was settled as ${settledAs} already`, { paymentId, settledAs });
  }
}

/** Why a callback's signature was refused. */
export type InvalidSignatureReason = 'MISSING' | 'MALFORMED' | 'STALE' | 'MISMATCH';

/**
 * A provider callback whose signature is missing, malformed, outside the replay window, or wrong: refused
 * before anything of it is read. The reason is for the log, never for the sender (the answer is the same).
 */
export class InvalidSignatureError extends DomainError {
  constructor(readonly reason: InvalidSignatureReason) {
    // One message for every reason: the answer must not tell a sender which check its callback failed.
    super('INVALID_SIGNATURE', "the callback's signature was refused", { reason });
  }
}

/** A success the provider reports (a signed callback, its answer to reconciliation) names another amount than the payment's: refused, nothing changes. */
export class PaymentAmountMismatchError extends DomainError {
  constructor(paymentId: string, expected: number, received: number) {
    super('AMOUNT_MISMATCH', `payment ${paymentId} is of ${expected} fen, the provider says ${received}`, { paymentId, expected, received });
  }
}

/** A success the provider reports names another currency than the payment's: refused, nothing changes. */
export class PaymentCurrencyMismatchError extends DomainError {
  constructor(paymentId: string, expected: string, received: string) {
    super('CURRENCY_MISMATCH', `payment ${paymentId} is in ${expected}, the provider says ${received}`, { paymentId, expected, received });
  }
}

/** An admin asked to retry a refund of a payment that is not REFUNDING. */
export class NoRefundPendingError extends DomainError {
  constructor(paymentId: string, status: PaymentStatus) {
    super('NO_REFUND_PENDING', `payment ${paymentId} has no refund pending (it is ${status})`, { paymentId, status });
  }
}

/** A refund was asked for a payment that took no money (PENDING or FAILED). */
export class PaymentNotRefundableError extends DomainError {
  constructor(paymentId: string, status: PaymentStatus) {
    super('NOT_REFUNDABLE', `payment ${paymentId} cannot be refunded: it is ${status}`, { paymentId, status });
  }
}

/** Refunds are whole: a refund of another amount than the payment's is refused (the order never asks for one). */
export class RefundAmountMismatchError extends DomainError {
  constructor(paymentId: string, paymentAmount: number, requested: number) {
    super('REFUND_AMOUNT_MISMATCH', `payment ${paymentId} is of ${paymentAmount} fen; a refund of ${requested} fen is not a whole refund`, {
      paymentId,
      paymentAmount,
      requested,
    });
  }
}

/** A correctly signed callback that is not a callback of the contract (not JSON, a field missing or wrong). */
export class InvalidPaymentCallbackError extends DomainError {
  constructor(readonly problems: ReadonlyArray<{ readonly path: string; readonly message: string }>) {
    super('INVALID_PAYMENT_CALLBACK', `the callback is not a callback of the contract: ${problems.map((p) => `${p.path || '/'} ${p.message}`).join('; ')}`, {
      problems,
    });
  }
}
