import { Inject, Injectable } from '@nestjs/common';
import { assertUuid, messageOf, UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { PaymentNotFoundError } from '../../../domain/payment.errors.js';
import { refundBackoffMs } from '../../../domain/payment.js';
import { NO_PROVIDER } from '../../../domain/payment-status.js';
import { PAYMENT_CLOCK, PAYMENT_PROVIDER, PAYMENT_REPOSITORY, PAYMENT_RULES, type PaymentRules } from '../../payment.di-tokens.js';
import type { PaymentProvider, ProviderRefundResult } from '../../ports/payment-provider.js';
import type { PaymentRepository } from '../../ports/payment.repository.js';
import { paymentOf } from '../payment-of.js';
import { callProvider } from '../provider-call.js';
import type { AttemptRefundCommand, AttemptRefundResult } from './attempt-refund.command.js';

/**
 * One try of a refund: the provider is asked first, outside any transaction (idempotent on the refund's
 * id, so a try that raced another or whose answer was lost refunds once), then the payment is locked and
 * the answer applied: REFUNDED (payment.refunded.v1), or the refusal counted and the next try put off
 * (5 s doubling, capped by `refundBackoffMaxMs`), for ever: an admin sees it and may make it due now.
 * A provider that fails or does not answer within `providerTimeoutMs` counts as a refusal (the same backoff).
 * A refund is never given up: the money is the customer's.
 */
@Injectable()
export class AttemptRefundHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(PAYMENT_REPOSITORY) private readonly payments: PaymentRepository,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    @Inject(PAYMENT_CLOCK) private readonly clock: Clock,
    @Inject(PAYMENT_RULES) private readonly rules: PaymentRules,
  ) {}

  async execute(command: AttemptRefundCommand): Promise<AttemptRefundResult> {
    // A provider call inside a transaction would hold its connection and locks for a network round trip.
    if (this.unitOfWork.inTransaction) throw new Error('AttemptRefundHandler calls the provider: run it outside any transaction (after the commit)');
    const paymentId = assertUuid('paymentId', command.paymentId);
    const payment = await this.payments.find(paymentId);
    if (!payment) throw new PaymentNotFoundError(paymentId);
    if (payment.status === 'REFUNDED') return { outcome: 'duplicate' };
    if (payment.status !== 'REFUNDING' || payment.refund === null) return { outcome: 'not-refunding' };

    const { refundId } = payment.refund;
    let answer: ProviderRefundResult;
    try {
      // A payment that went through no provider (nothing to pay) took no money: there is none to give back.
      answer =
        payment.provider === NO_PROVIDER
          ? { outcome: 'refunded' }
          : await callProvider(this.rules.providerTimeoutMs, (options) =>
              this.provider.refundPayment({ paymentId, refundId, amount: payment.amount, currency: payment.currency }, options),
            );
    } catch (error) {
      answer = { outcome: 'refused', reason: `the provider failed: ${messageOf(error)}` };
    }

    return this.unitOfWork.run(async (): Promise<AttemptRefundResult> => {
      const stored = await paymentOf(this.payments, paymentId);
      const at = this.clock.now();
      if (answer.outcome === 'refunded') {
        if (stored.status !== 'REFUNDING') return stored.status === 'REFUNDED' ? { outcome: 'duplicate' } : { outcome: 'not-refunding' };
        stored.refundSucceeded(at);
        await this.payments.save(stored);
        return { outcome: 'refunded' };
      }
      const attempts = (stored.refund?.attempts ?? 0) + 1;
      const nextAttemptAt = new Date(at.getTime() + refundBackoffMs(attempts, this.rules.refundBackoffMaxMs));
      if (stored.refundRefused({ error: answer.reason, at, retryAt: nextAttemptAt }) === 'ignored')
        return stored.status === 'REFUNDED' ? { outcome: 'duplicate' } : { outcome: 'not-refunding' };
      await this.payments.save(stored);
      return { outcome: 'refused', error: stored.refund!.lastError!, nextAttemptAt };
    });
  }
}
