import { AggregateRoot, assertFen, assertUuid, InvalidValueError } from '@shop/shared-kernel';
import {
  NoRefundPendingError,
  PaymentAmountMismatchError,
  PaymentCurrencyMismatchError,
  PaymentNotRefundableError,
  RefundAmountMismatchError,
} from './payment.errors.js';
import type { PaymentEvent } from './payment.events.js';
import {
  canMoveTo,
  CAPTURED_STATUSES,
  NO_PROVIDER,
  PAYMENT_CURRENCY,
  PAYMENT_FAILURE_REASONS,
  type PaymentFailureReason,
  type PaymentStatus,
} from './payment-status.js';

/** The first refund retry waits this long; each next one twice the last, up to the configured cap. */
export const REFUND_FIRST_BACKOFF_MS = 5_000;
/** The longest failure text kept (a provider's detail, a refund's last error): enough to look into, bounded in the store. */
export const MAX_ERROR_TEXT = 500;

/** A refund asked for by the order: tried with the provider until it gives the money back. */
export interface PaymentRefundSnapshot {
  /** Generated once when asked for and kept: the provider refunds idempotently on it. */
  readonly refundId: string;
  /** The order's reason (CUSTOMER_REQUEST, LATE_PAYMENT, DUPLICATE_PAYMENT, AMOUNT_MISMATCH). */
  readonly reason: string;
  readonly requestedAt: Date;
  /** Tries of the provider that did not refund (refused, or it failed). */
  readonly attempts: number;
  readonly lastError: string | null;
  /** When the next try is due; null once refunded. */
  readonly nextAttemptAt: Date | null;
  readonly refundedAt: Date | null;
}

/** Everything a payment is made of, as stored; only repositories restore one from it. */
export interface PaymentSnapshot {
  readonly paymentId: string;
  readonly orderId: string;
  readonly userId: string;
  /** Whole fen, the order's payable when the payment started. */
  readonly amount: number;
  readonly currency: string;
  readonly status: PaymentStatus;
  /** The provider that takes it (`sandbox`, …); `none` for an order with nothing to pay. */
  readonly provider: string;
  /** The provider's own id of the charge, once it told us; null before (and for `none`). */
  readonly providerPaymentId: string | null;
  readonly failureReason: PaymentFailureReason | null;
  /** What the provider said about a failure, for people; null when it said nothing. */
  readonly failureDetail: string | null;
  readonly createdAt: Date;
  /** When it succeeded or failed; null while PENDING. */
  readonly settledAt: Date | null;
  readonly refund: PaymentRefundSnapshot | null;
  /** The store's row version when loaded (0 for a new payment); repositories compare and bump it. */
  readonly version: number;
}

export interface StartPayment {
  readonly id: string;
  readonly orderId: string;
  readonly userId: string;
  readonly amount: number;
  readonly provider: string;
  readonly at: Date;
}

/**
 * What a success reported by the provider did: 'succeeded' (PENDING → SUCCEEDED), 'succeeded-after-failure'
 * (FAILED → SUCCEEDED: the provider took the money after all; logged at warn, the order refunds a
 * duplicate), 'duplicate' (it had succeeded already: nothing changed).
 */
export type SucceedOutcome = 'succeeded' | 'succeeded-after-failure' | 'duplicate';
/** What a failure reported by the provider did: 'failed' (PENDING → FAILED), or 'ignored' (settled already: a late or repeated failure). */
export type FailOutcome = 'failed' | 'ignored';
export type RefundRequestOutcome = 'requested' | 'duplicate';
export type RefundOutcome = 'refunded' | 'duplicate';
export type RefundRefusalOutcome = 'recorded' | 'ignored';

function checkedText(field: string, value: string, max: number): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > max) throw new InvalidValueError(field, `must be a text of 1–${max} characters`);
  return value;
}

/** A failure text kept for people: cut to `MAX_ERROR_TEXT`, never empty. */
function errorText(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  if (text.length === 0) return null;
  return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT - 1)}…` : text;
}

/**
 * The wait before the next try of a refund after `attempts` failed tries: 5 s, 10 s, 20 s, … doubling,
 * never more than `maxMs`.
 */
export function refundBackoffMs(attempts: number, maxMs: number): number {
  if (!Number.isSafeInteger(maxMs) || maxMs < 1) throw new InvalidValueError('maxMs', `must be a whole number of milliseconds ≥ 1, got ${maxMs}`);
  const tries = Number.isSafeInteger(attempts) && attempts > 1 ? attempts : 1;
  // 2 ** 1075 is Infinity and 2 ** 53 is past the safe integers: min() takes care of both.
  return Math.min(REFUND_FIRST_BACKOFF_MS * 2 ** (tries - 1), maxMs);
}

/**
 * One attempt at paying one order (DESIGN.md section 5): PENDING at the provider until it reports the
 * outcome (a signed callback, or its answer to reconciliation), then SUCCEEDED or FAILED; a success
 * reported after a failure is applied still (the money moved). A succeeded payment is refunded whole when
 * the order asks: REFUNDING, tried with the provider until REFUNDED. Every success the provider reports is
 * checked against the payment's amount and currency first: a mismatch changes nothing (a failure moved no
 * money: its state alone decides). Repeated and late
 * reports are outcomes ('duplicate', 'ignored'), never errors: callbacks come twice and late.
 */
export class Payment extends AggregateRoot<PaymentEvent> {
  private state: PaymentSnapshot;

  private constructor(snapshot: PaymentSnapshot) {
    super();
    this.state = snapshot;
  }

  /** A payment of `amount` fen (≥ 1) started with `provider`: PENDING, nothing announced yet. */
  static start(command: StartPayment): Payment {
    const amount = assertFen('amount', command.amount);
    if (amount === 0) throw new InvalidValueError('amount', 'a payment through a provider is of 1 fen at least (nothing to pay is settled free)');
    return new Payment({
      paymentId: assertUuid('paymentId', command.id),
      orderId: assertUuid('orderId', command.orderId),
      userId: assertUuid('userId', command.userId),
      amount,
      currency: PAYMENT_CURRENCY,
      status: 'PENDING',
      provider: checkedText('provider', command.provider, 50),
      providerPaymentId: null,
      failureReason: null,
      failureDetail: null,
      createdAt: command.at,
      settledAt: null,
      refund: null,
      version: 0,
    });
  }

  /**
   * An order with nothing left to pay (a coupon and points covered it): a payment of 0 through no provider,
   * SUCCEEDED at once, announced as any other success so that the order becomes PAID with no customer step.
   */
  static settledFree(command: { id: string; orderId: string; userId: string; at: Date }): Payment {
    const payment = new Payment({
      paymentId: assertUuid('paymentId', command.id),
      orderId: assertUuid('orderId', command.orderId),
      userId: assertUuid('userId', command.userId),
      amount: 0,
      currency: PAYMENT_CURRENCY,
      status: 'SUCCEEDED',
      provider: NO_PROVIDER,
      providerPaymentId: null,
      failureReason: null,
      failureDetail: null,
      createdAt: command.at,
      settledAt: command.at,
      refund: null,
      version: 0,
    });
    payment.recordSucceeded(command.at);
    return payment;
  }

  static restore(snapshot: PaymentSnapshot): Payment {
    return new Payment(snapshot);
  }

  // ── the provider's reports ───────────────────────────────────────────────────────────────────────

  /** The provider's id of the charge, as `createPayment` answered: kept once (a later answer changes nothing). */
  recordProviderPayment(providerPaymentId: string): 'recorded' | 'unchanged' {
    checkedText('providerPaymentId', providerPaymentId, 200);
    if (this.state.providerPaymentId !== null) return 'unchanged';
    this.state = { ...this.state, providerPaymentId };
    return 'recorded';
  }

  /**
   * The provider took the money. Amount and currency are checked first (AMOUNT_MISMATCH,
   * CURRENCY_MISMATCH: nothing changes). PENDING → SUCCEEDED; FAILED → SUCCEEDED too (the money moved
   * after all: 'succeeded-after-failure'); succeeded already (refunding, refunded): 'duplicate'.
   */
  succeed(report: { providerPaymentId: string | null; amount: number; currency: string; at: Date }): SucceedOutcome {
    this.assertReportMatches(report);
    const from = this.state.status;
    if (from !== 'PENDING' && from !== 'FAILED') return 'duplicate';
    this.moveTo('SUCCEEDED');
    this.state = {
      ...this.state,
      providerPaymentId:
        this.state.providerPaymentId ?? (report.providerPaymentId === null ? null : checkedText('providerPaymentId', report.providerPaymentId, 200)),
      failureReason: null,
      failureDetail: null,
      settledAt: report.at,
    };
    this.recordSucceeded(report.at);
    return from === 'FAILED' ? 'succeeded-after-failure' : 'succeeded';
  }

  /**
   * The attempt failed (declined at the provider, expired unpaid, the provider failing or silent when it
   * was created). PENDING → FAILED; anything else is 'ignored' (a late or repeated failure, or one after the
   * success: the success stands). The state decides alone: a failure moved no money, so what a report of
   * it says of the amount or currency is never checked (a charge that never opened has none to say).
   */
  fail(report: { reason: PaymentFailureReason; detail: string | null; at: Date }): FailOutcome {
    if (!(PAYMENT_FAILURE_REASONS as readonly string[]).includes(report.reason))
      throw new InvalidValueError('reason', `unknown failure reason ${report.reason}`);
    if (this.state.status !== 'PENDING') return 'ignored';
    this.moveTo('FAILED');
    this.state = { ...this.state, failureReason: report.reason, failureDetail: errorText(report.detail), settledAt: report.at };
    const { orderId, userId, amount } = this.state;
    this.record({ type: 'PaymentFailed', aggregateId: this.id, occurredAt: report.at, orderId, userId, amount, reason: report.reason });
    return 'failed';
  }

  // ── refunds ──────────────────────────────────────────────────────────────────────────────────────

  /**
   * The order asks for the money back (whole refunds only: another amount is REFUND_AMOUNT_MISMATCH).
   * SUCCEEDED → REFUNDING, its first try due at once; asked before (refunding, refunded): 'duplicate';
   * a payment that took no money (PENDING, FAILED): NOT_REFUNDABLE.
   */
  requestRefund(request: { reason: string; amount: number; refundId: string; at: Date }): RefundRequestOutcome {
    const amount = assertFen('amount', request.amount);
    if (amount !== this.state.amount) throw new RefundAmountMismatchError(this.id, this.state.amount, amount);
    const { status } = this.state;
    if (status === 'REFUNDING' || status === 'REFUNDED') return 'duplicate';
    if (status !== 'SUCCEEDED') throw new PaymentNotRefundableError(this.id, status);
    const refund: PaymentRefundSnapshot = {
      refundId: assertUuid('refundId', request.refundId),
      reason: checkedText('reason', request.reason, 100),
      requestedAt: request.at,
      attempts: 0,
      lastError: null,
      nextAttemptAt: request.at,
      refundedAt: null,
    };
    this.moveTo('REFUNDING');
    this.state = { ...this.state, refund };
    return 'requested';
  }

  /** The provider gave the money back: REFUNDING → REFUNDED; refunded already: 'duplicate'; no refund asked for: NO_REFUND_PENDING. */
  refundSucceeded(at: Date): RefundOutcome {
    const { status, refund } = this.state;
    if (status === 'REFUNDED') return 'duplicate';
    if (status !== 'REFUNDING' || refund === null) throw new NoRefundPendingError(this.id, status);
    this.moveTo('REFUNDED');
    this.state = { ...this.state, refund: { ...refund, nextAttemptAt: null, refundedAt: at } };
    const { orderId, userId, amount } = this.state;
    this.record({ type: 'PaymentRefunded', aggregateId: this.id, occurredAt: at, orderId, userId, amount });
    return 'refunded';
  }

  /**
   * A try of the refund did not give the money back (the provider refused, or failed): counted, its error
   * kept, the next try due at `retryAt`. Only while REFUNDING ('ignored' otherwise: refunded meanwhile).
   */
  refundRefused(failure: { error: string; at: Date; retryAt: Date }): RefundRefusalOutcome {
    const { status, refund } = this.state;
    if (status !== 'REFUNDING' || refund === null) return 'ignored';
    this.state = {
      ...this.state,
      refund: { ...refund, attempts: refund.attempts + 1, lastError: errorText(failure.error) ?? 'unknown error', nextAttemptAt: failure.retryAt },
    };
    return 'recorded';
  }

  /** An admin wants the refund tried again now: its next try due at `at`. Not REFUNDING: NO_REFUND_PENDING. */
  retryRefundNow(at: Date): void {
    const { status, refund } = this.state;
    if (status !== 'REFUNDING' || refund === null) throw new NoRefundPendingError(this.id, status);
    this.state = { ...this.state, refund: { ...refund, nextAttemptAt: at } };
  }

  /** Whether a try of the refund is due at `at`. */
  refundDue(at: Date): boolean {
    const { status, refund } = this.state;
    return status === 'REFUNDING' && refund !== null && refund.nextAttemptAt !== null && refund.nextAttemptAt.getTime() <= at.getTime();
  }

  // ── reading ──────────────────────────────────────────────────────────────────────────────────────

  get id(): string {
    return this.state.paymentId;
  }
  get paymentId(): string {
    return this.state.paymentId;
  }
  get orderId(): string {
    return this.state.orderId;
  }
  get userId(): string {
    return this.state.userId;
  }
  get amount(): number {
    return this.state.amount;
  }
  get currency(): string {
    return this.state.currency;
  }
  get status(): PaymentStatus {
    return this.state.status;
  }
  get provider(): string {
    return this.state.provider;
  }
  get providerPaymentId(): string | null {
    return this.state.providerPaymentId;
  }
  get failureReason(): PaymentFailureReason | null {
    return this.state.failureReason;
  }
  get failureDetail(): string | null {
    return this.state.failureDetail;
  }
  get createdAt(): Date {
    return this.state.createdAt;
  }
  get settledAt(): Date | null {
    return this.state.settledAt;
  }
  get refund(): PaymentRefundSnapshot | null {
    return this.state.refund;
  }
  get version(): number {
    return this.state.version;
  }
  /** Whether the money was taken (SUCCEEDED, REFUNDING, REFUNDED): the order is paid for. */
  get captured(): boolean {
    return CAPTURED_STATUSES.includes(this.state.status);
  }

  toSnapshot(): PaymentSnapshot {
    return { ...this.state };
  }

  // ── the moves ────────────────────────────────────────────────────────────────────────────────────

  /** A success's amount and currency must be the payment's. */
  private assertReportMatches(report: { amount: number; currency: string }): void {
    if (report.amount !== this.state.amount) throw new PaymentAmountMismatchError(this.id, this.state.amount, report.amount);
    if (report.currency !== this.state.currency) throw new PaymentCurrencyMismatchError(this.id, this.state.currency, report.currency);
  }

  private recordSucceeded(at: Date): void {
    const { orderId, userId, amount } = this.state;
    this.record({ type: 'PaymentSucceeded', aggregateId: this.id, occurredAt: at, orderId, userId, amount });
  }

  /** The one way the status changes: along a legal edge (a programming error otherwise: the guards above come first). */
  private moveTo(to: PaymentStatus): void {
    const from = this.state.status;
    if (!canMoveTo(from, to)) throw new Error(`payment ${this.id} cannot move from ${from} to ${to}`);
    this.state = { ...this.state, status: to };
  }
}
