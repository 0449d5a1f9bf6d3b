import { Inject, Injectable } from '@nestjs/common';
import { UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { PAYMENT_CLOCK, PAYMENT_REPOSITORY } from '../../payment.di-tokens.js';
import { adminPaymentViewOf } from '../../payment.presenters.js';
import type { PaymentRepository } from '../../ports/payment.repository.js';
import { paymentOf } from '../payment-of.js';
import type { RetryRefundNowCommand, RetryRefundNowResult } from './retry-refund-now.command.js';

/**
 * An admin makes a REFUNDING payment's refund due now (after fixing what made the provider refuse it):
 * the retry job's next run tries it. NO_REFUND_PENDING unless the payment is REFUNDING.
 */
@Injectable()
export class RetryRefundNowHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(PAYMENT_REPOSITORY) private readonly payments: PaymentRepository,
    @Inject(PAYMENT_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: RetryRefundNowCommand): Promise<RetryRefundNowResult> {
    return this.unitOfWork.run(async () => {
      const payment = await paymentOf(this.payments, command.paymentId);
      payment.retryRefundNow(this.clock.now());
      await this.payments.save(payment);
      return adminPaymentViewOf(payment.toSnapshot());
    });
  }
}
