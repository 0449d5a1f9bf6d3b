import { Inject, Injectable } from '@nestjs/common';
import { canonicalId, InvalidValueError, UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import type { Payment } from '../../../domain/payment.js';
import type { PaymentFailureReason } from '../../../domain/payment-status.js';
import { PAYABLE_ORDER_REPOSITORY, PAYMENT_CLOCK, PAYMENT_PROVIDER, PAYMENT_REPOSITORY, PAYMENT_RULES, type PaymentRules } from '../../payment.di-tokens.js';
import type { PayableOrderRepository } from '../../ports/payable-order.repository.js';
import type { PaymentProvider, ProviderCallOptions, ProviderPaymentState } from '../../ports/payment-provider.js';
import type { PaymentRepository } from '../../ports/payment.repository.js';
import { paymentOf } from '../payment-of.js';
import { callProvider } from '../provider-call.js';
import type { ReconcileOutcome, ReconcilePendingPaymentsCommand, ReconcilePendingPaymentsResult } from './reconcile-pending-payments.command.js';

const RECONCILE_LIMIT_MAX = 1_000;

/**
 * Settles payments stuck in PENDING (the provider's callback lost, withheld, or never sent; the create that
 * never reached the provider) by asking the provider, for those PENDING longer than `reconcileAfterMs`,
 * oldest first, at most `limit`, those in `skip` left out:
 *
 * | the provider says | and | then |
 * |---|---|---|
 * | SUCCEEDED | | success applied (amount and currency checked) |
 * | FAILED | | FAILED (DECLINED) |
 * | UNKNOWN (the create never reached it) | older than 2 × `providerTimeoutMs` (its create is over) | `cancelPayment` at once (nobody can pay it), then as below |
 * | UNKNOWN | younger (its create may be under way) | nothing (asked again next run) |
 * | PENDING | older than `pendingTimeoutMs`, or its order is closed (CANCELLED, or PAID by another attempt) | `cancelPayment`: cancelled → FAILED (EXPIRED); already-succeeded → asked again, success applied (amount and currency checked); already-failed → FAILED (DECLINED) |
 * | PENDING | otherwise | nothing (asked again next run) |
 *
 * The provider is asked outside any transaction, each call waited for `providerTimeoutMs` at most (one not
 * answered in time is an error of that payment: the next run asks again); each payment's outcome is
 * applied in a transaction of its own, the payment locked and re-read there, so a callback that got in
 * first wins (a repeat changes nothing). One payment failing is counted in `errors` and skipped; the
 * others go on. This is the one way reconciliation runs: the job calls it, keeping only its backoff.
 */
@Injectable()
export class ReconcilePendingPaymentsHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(PAYMENT_REPOSITORY) private readonly payments: PaymentRepository,
    @Inject(PAYABLE_ORDER_REPOSITORY) private readonly orders: PayableOrderRepository,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    @Inject(PAYMENT_CLOCK) private readonly clock: Clock,
    @Inject(PAYMENT_RULES) private readonly rules: PaymentRules,
  ) {}

  async execute(command: ReconcilePendingPaymentsCommand): Promise<ReconcilePendingPaymentsResult> {
    const { limit, signal } = command;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > RECONCILE_LIMIT_MAX)
      throw new InvalidValueError('limit', `must be a whole number 1–${RECONCILE_LIMIT_MAX}, got ${limit}`);
    // A provider call inside a transaction would hold its connection and locks for a network round trip.
    if (this.unitOfWork.inTransaction) throw new Error('reconciliation calls the provider: run it outside any transaction');
    const skip = new Set([...(command.skip ?? [])].map((id) => canonicalId(id)));
    const asked = limit + skip.size;
    const listed = await this.payments.pendingCreatedBefore(new Date(this.clock.now().getTime() - this.rules.reconcileAfterMs), asked);
    const due = listed.filter((paymentId) => !skip.has(canonicalId(paymentId)));
    const counts: Record<ReconcileOutcome, number> = { succeeded: 0, failed: 0, expired: 0, pending: 0, settled: 0 };
    const outcomes: Array<{ paymentId: string; outcome: ReconcileOutcome }> = [];
    const errors: Array<{ paymentId: string; error: unknown }> = [];
    let looked = 0;
    for (const paymentId of due.slice(0, limit)) {
      if (signal?.aborted) break;
      looked += 1;
      try {
        const outcome = await this.reconcile(paymentId);
        counts[outcome] += 1;
        outcomes.push({ paymentId, outcome });
      } catch (error) {
        errors.push({ paymentId, error });
      }
    }
    const { succeeded, failed, expired, pending } = counts;
    // Fewer listed than asked for: that was every stuck payment; all of them outside `skip` were looked at unless cut short.
    const complete = listed.length < asked && looked === due.length;
    return { checked: looked, succeeded, failed, expired, pending, outcomes, errors, complete };
  }

  /** One stuck payment, by the table above. */
  private async reconcile(paymentId: string): Promise<ReconcileOutcome> {
    const payment = await this.payments.find(paymentId);
    if (!payment || payment.status !== 'PENDING') return 'settled';
    const state = await this.ask((options) => this.provider.queryPayment(payment.id, options));
    if (state.status === 'SUCCEEDED') return this.succeed(payment.id, state);
    if (state.status === 'FAILED') return this.fail(payment.id, 'DECLINED', state.failureReason ?? 'declined at the provider (reconciliation)');
    if (state.status === 'UNKNOWN' && this.createMayBeUnderWay(payment)) return 'pending';
    if (state.status === 'PENDING' && !(await this.dueForCancelling(payment))) return 'pending';
    const cancelled = await this.ask((options) => this.provider.cancelPayment(payment.id, options));
    if (cancelled === 'already-succeeded') return this.succeed(payment.id, await this.settledSuccess(payment.id));
    if (cancelled === 'already-failed') return this.fail(payment.id, 'DECLINED', 'declined at the provider (found when cancelling it)');
    const why =
      state.status === 'UNKNOWN' ? 'unknown to the provider (its creation never reached it): cancelled there' : 'not paid in time: cancelled at the provider';
    return this.fail(payment.id, 'EXPIRED', why);
  }

  /**
   * What the provider took, asked once more after a cancellation found the charge succeeded: the first
   * answer (UNKNOWN, PENDING) said nothing of the amount taken, and a success is applied only with its
   * amount checked. An answer that is not a success with an amount is an error of the payment (the next run asks again).
   */
  private async settledSuccess(paymentId: string): Promise<ProviderPaymentState> {
    const state = await this.ask((options) => this.provider.queryPayment(paymentId, options));
    if (state.status !== 'SUCCEEDED' || state.amount === undefined)
      throw new Error(
        `payment ${paymentId}: the provider's cancellation found it succeeded, but asked again it says ${state.status}${state.amount === undefined ? ' with no amount' : ''}: not applied`,
      );
    return state;
  }

  /** One provider call, waited for `providerTimeoutMs` at most. */
  private ask<T>(call: (options: ProviderCallOptions) => Promise<T>): Promise<T> {
    return callProvider(this.rules.providerTimeoutMs, call);
  }

  /**
   * Whether the payment's own create may still be on its way to the provider: `CreatePaymentHandler` calls
   * it right after committing the payment and waits `providerTimeoutMs` at most, so until twice that (the
   * commit's own time with room to spare) UNKNOWN may only mean "not there yet", not "never reached it".
   * Cancelling then would fail an attempt the provider is about to open (`PAYMENT_RECONCILE_AFTER` is
   * minutes in practice; this guards a short one).
   */
  private createMayBeUnderWay(payment: Payment): boolean {
    return this.clock.now().getTime() - payment.createdAt.getTime() < 2 * this.rules.providerTimeoutMs;
  }

  /** Past the pending timeout, or its order is closed (cancelled, or paid by another attempt): nobody will pay it now. */
  private async dueForCancelling(payment: Payment): Promise<boolean> {
    if (this.clock.now().getTime() - payment.createdAt.getTime() >= this.rules.pendingTimeoutMs) return true;
    const order = await this.orders.find(payment.orderId);
    return order?.state === 'CANCELLED' || order?.state === 'PAID';
  }

  /**
   * The provider took the money. What it reported is checked against the payment (a mismatch throws:
   * nothing changes, logged at error by the job); a provider that did not say the amount is taken at the payment's.
   */
  private succeed(paymentId: string, state: ProviderPaymentState): Promise<ReconcileOutcome> {
    return this.unitOfWork.run(async () => {
      const stored = await paymentOf(this.payments, paymentId);
      const outcome = stored.succeed({
        providerPaymentId: state.providerPaymentId ?? null,
        amount: state.amount ?? stored.amount,
        currency: state.currency ?? stored.currency,
        at: this.clock.now(),
      });
      if (outcome === 'duplicate') return 'settled';
      await this.payments.save(stored);
      return 'succeeded';
    });
  }

  /** The attempt failed: its state alone decides (a failure moved no money: what it reports of an amount is not checked). */
  private fail(paymentId: string, reason: PaymentFailureReason, detail: string): Promise<ReconcileOutcome> {
    return this.unitOfWork.run(async () => {
      const stored = await paymentOf(this.payments, paymentId);
      if (stored.fail({ reason, detail, at: this.clock.now() }) === 'ignored') return 'settled';
      await this.payments.save(stored);
      return reason === 'EXPIRED' ? 'expired' : 'failed';
    });
  }
}
