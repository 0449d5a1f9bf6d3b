import { Inject, Injectable } from '@nestjs/common';
import { InvalidValueError, type Clock } from '@shop/shared-kernel';
import { PAYMENT_CLOCK, PAYMENT_REPOSITORY } from '../../payment.di-tokens.js';
import type { PaymentRepository } from '../../ports/payment.repository.js';
import { AttemptRefundHandler } from '../attempt-refund/attempt-refund.handler.js';
import type { RetryDueRefundsCommand, RetryDueRefundsResult } from './retry-due-refunds.command.js';

const RETRY_REFUNDS_LIMIT_MAX = 1_000;

/**
 * The refunds whose next try is due (the most overdue first), each tried once (`AttemptRefundHandler`:
 * the provider outside any transaction, then the answer applied in a transaction of its own). One
 * failing is counted in `errors` and the others go on; once `signal` aborts, no further one is started.
 */
@Injectable()
export class RetryDueRefundsHandler {
  constructor(
    @Inject(PAYMENT_REPOSITORY) private readonly payments: PaymentRepository,
    @Inject(PAYMENT_CLOCK) private readonly clock: Clock,
    private readonly attemptRefund: AttemptRefundHandler,
  ) {}

  async execute(command: RetryDueRefundsCommand): Promise<RetryDueRefundsResult> {
    const { limit, signal } = command;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > RETRY_REFUNDS_LIMIT_MAX)
      throw new InvalidValueError('limit', `must be a whole number 1–${RETRY_REFUNDS_LIMIT_MAX}, got ${limit}`);
    const due = await this.payments.refundsDue(this.clock.now(), limit);
    let refunded = 0;
    let refused = 0;
    const errors: Array<{ paymentId: string; error: unknown }> = [];
    let tried = 0;
    for (const paymentId of due) {
      if (signal?.aborted) break;
      tried += 1;
      try {
        const result = await this.attemptRefund.execute({ paymentId });
        if (result.outcome === 'refunded') refunded += 1;
        else if (result.outcome === 'refused') refused += 1;
      } catch (error) {
        errors.push({ paymentId, error });
      }
    }
    return { tried, refunded, refused, errors };
  }
}
