/**
 * A payment's life: PENDING at the provider, then SUCCEEDED or FAILED; a FAILED one may still succeed
 * (the provider took the money after all: money moved, so it is applied); a SUCCEEDED one is REFUNDING
 * once the order asks for its money back, REFUNDED once the provider gave it back. The same list as the
 * HTTP contract's `PAYMENT_STATUSES` (application/payment.contract-lists.spec.ts keeps them equal).
 */
export const PAYMENT_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED', 'REFUNDING', 'REFUNDED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Every legal move of a payment's status, and only those. */
export const PAYMENT_TRANSITIONS: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  PENDING: ['SUCCEEDED', 'FAILED'],
  FAILED: ['SUCCEEDED'],
  SUCCEEDED: ['REFUNDING'],
  REFUNDING: ['REFUNDED'],
  REFUNDED: [],
};

export const canMoveTo = (from: PaymentStatus, to: PaymentStatus): boolean => PAYMENT_TRANSITIONS[from].includes(to);

/** A payment whose money was taken (and maybe given back): while one exists, its order is NOT_PAYABLE. */
export const CAPTURED_STATUSES: readonly PaymentStatus[] = ['SUCCEEDED', 'REFUNDING', 'REFUNDED'];

/**
 * Why a payment failed: the provider `DECLINED` it, it `EXPIRED` unpaid (cancelled at the provider by
 * reconciliation, or unknown to the provider), or the provider failed, refused or did not answer in time
 * when it was created (`PROVIDER_ERROR`). The same
 * list as the contract's `PAYMENT_FAILURE_REASONS`.
 */
export const PAYMENT_FAILURE_REASONS = ['DECLINED', 'EXPIRED', 'PROVIDER_ERROR'] as const;
export type PaymentFailureReason = (typeof PAYMENT_FAILURE_REASONS)[number];

/** Every payment is in yuan; amounts are whole fen. The contract's `PAYMENT_CURRENCY`. */
export const PAYMENT_CURRENCY = 'CNY';

/** The provider of a payment that needed none: an order paid wholly with a coupon and points (payable 0). */
export const NO_PROVIDER = 'none';
