import { Inject, Injectable } from '@nestjs/common';
import { InvalidValueError, UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import type { Payment } from '../../../domain/payment.js';
import type { PaymentFailureReason } from '../../../domain/payment-status.js';
import { PAYABLE_ORDER_REPOSITORY, PAYMENT_CLOCK, PAYMENT_PROVIDER, PAYMENT_REPOSITORY, PAYMENT_RULES, type PaymentRules } from '../../payment.di-tokens.js';
import type { PayableOrderRepository } from '../../ports/payable-order.repository.js';
import type { PaymentProvider, ProviderPaymentState } from '../../ports/payment-provider.js';
import type { PaymentRepository } from '../../ports/payment.repository.js';
import { paymentOf } from '../payment-of.js';
import type { ReconcileOutcome, ReconcilePendingPaymentsCommand, ReconcilePendingPaymentsResult } from './reconcile-pending-payments.command.js';

export const RECONCILE_LIMIT_MAX = 1_000;

/**
 * Settles payments stuck in PENDING (the provider's callback lost, withheld, or never sent) by asking the
 * provider, for those PENDING longer than `reconcileAfterMs`, oldest first:
 *
 * | the provider says | and | then |
 * |---|---|---|
 * | SUCCEEDED | | success applied (amount and currency checked) |
 * | FAILED | | FAILED (DECLINED) |
 * | PENDING / UNKNOWN | older than `pendingTimeoutMs`, or its order is CANCELLED | `cancelPayment`: cancelled → FAILED (EXPIRED); already-succeeded → success applied; already-failed → FAILED (DECLINED) |
 * | PENDING / UNKNOWN | otherwise | nothing (asked again next run) |
 *
 * The provider is asked outside any transaction; each payment's outcome is applied in a transaction of its
 * own, the payment locked and re-read there, so a callback that got in first wins (a repeat changes nothing).
 * One payment failing is counted in `errors` and skipped; the others go on.
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
    const { limit } = command;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > RECONCILE_LIMIT_MAX)
      throw new InvalidValueError('limit', `must be a whole number 1–${RECONCILE_LIMIT_MAX}, got ${limit}`);
    const stuck = await this.payments.pendingCreatedBefore(new Date(this.clock.now().getTime() - this.rules.reconcileAfterMs), limit);
    const counts: Record<ReconcileOutcome, number> = { succeeded: 0, failed: 0, expired: 0, pending: 0, settled: 0 };
    const errors: Array<{ paymentId: string; error: unknown }> = [];
    for (const paymentId of stuck) {
      try {
        counts[await this.reconcile(paymentId)] += 1;
      } catch (error) {
        errors.push({ paymentId, error });
      }
    }
    const { succeeded, failed, expired, pending } = counts;
    return { checked: stuck.length, succeeded, failed, expired, pending, errors };
  }

  /** One stuck payment, by the table above. */
  async reconcile(paymentId: string): Promise<ReconcileOutcome> {
    if (this.unitOfWork.inTransaction) throw new Error('reconciliation calls the provider: run it outside any transaction');
    const payment = await this.payments.find(paymentId);
    if (!payment || payment.status !== 'PENDING') return 'settled';
    const state = await this.provider.queryPayment(payment.id);
    if (state.status === 'SUCCEEDED') return this.succeed(payment, state);
    if (state.status === 'FAILED') return this.fail(payment, 'DECLINED', state.failureReason ?? 'declined at the provider (reconciliation)', state);
    if (!(await this.dueForCancelling(payment))) return 'pending';
    const cancelled = await this.provider.cancelPayment(payment.id);
    if (cancelled === 'already-succeeded') return this.succeed(payment, state);
    if (cancelled === 'already-failed') return this.fail(payment, 'DECLINED', 'declined at the provider (found when cancelling it)', {});
    return this.fail(payment, 'EXPIRED', 'not paid in time: cancelled at the provider', {});
  }

  /** Past the pending timeout, or its order was cancelled (nobody will pay it now). */
  private async dueForCancelling(payment: Payment): Promise<boolean> {
    if (this.clock.now().getTime() - payment.createdAt.getTime() >= this.rules.pendingTimeoutMs) return true;
    const order = await this.unitOfWork.run(() => this.orders.findForUpdate(payment.orderId));
    return order?.state === 'CANCELLED';
  }

  /**
   * The provider took the money. What it reported is checked against the payment (a mismatch throws:
   * nothing changes, logged at error by the job); a provider that did not say the amount is taken at the payment's.
   */
  private succeed(payment: Payment, state: ProviderPaymentState): Promise<ReconcileOutcome> {
    return this.unitOfWork.run(async () => {
      const stored = await paymentOf(this.payments, payment.id);
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

  private fail(
    payment: Payment,
    reason: PaymentFailureReason,
    detail: string,
    reported: Pick<ProviderPaymentState, 'amount' | 'currency'>,
  ): Promise<ReconcileOutcome> {
    return this.unitOfWork.run(async () => {
      const stored = await paymentOf(this.payments, payment.id);
      const outcome = stored.fail({
        reason,
        detail,
        at: this.clock.now(),
        ...(reported.amount === undefined ? {} : { amount: reported.amount }),
        ...(reported.currency === undefined ? {} : { currency: reported.currency }),
      });
      if (outcome === 'ignored') return 'settled';
      await this.payments.save(stored);
      return reason === 'EXPIRED' ? 'expired' : 'failed';
    });
  }
}
