import { Inject, Injectable } from '@nestjs/common';
import { assertUuid, newId, UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { RefundAmountMismatchError } from '../../../domain/payment.errors.js';
import { PAYMENT_CLOCK, PAYMENT_REPOSITORY } from '../../payment.di-tokens.js';
import type { PaymentRepository } from '../../ports/payment.repository.js';
import { AttemptRefundHandler } from '../attempt-refund/attempt-refund.handler.js';
import { DetachedWork } from '../detached-work.js';
import { paymentOf } from '../payment-of.js';
import type { RequestRefundCommand, RequestRefundResult } from './request-refund.command.js';

/**
 * The order asks for a payment's money back (its customer asked; or it cannot keep the payment: late,
 * duplicate, another amount). The refund is recorded (REFUNDING, its refund id generated once and kept),
 * and once that has committed the provider is tried once (`AttemptRefundHandler`); whatever that try
 * comes to is left to the retry job. Never the provider inside the transaction: the message handler's
 * transaction (inbox row included) may still be open when this returns, so the try waits for its commit.
 * A payment unknown here, or that took no money, throws (the delivery is retried, then dead-lettered).
 */
@Injectable()
export class RequestRefundHandler {
  private readonly detached = new DetachedWork();

  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(PAYMENT_REPOSITORY) private readonly payments: PaymentRepository,
    @Inject(PAYMENT_CLOCK) private readonly clock: Clock,
    private readonly attemptRefund: AttemptRefundHandler,
  ) {}

  async execute(command: RequestRefundCommand): Promise<RequestRefundResult> {
    const orderId = assertUuid('orderId', command.orderId);
    const result = await this.unitOfWork.run(async (): Promise<RequestRefundResult> => {
      const payment = await paymentOf(this.payments, command.paymentId);
      if (payment.orderId !== orderId) return { outcome: 'foreign-order', paymentOrderId: payment.orderId };
      try {
        const outcome = payment.requestRefund({ reason: command.reason, amount: command.amount, refundId: newId(), at: this.clock.now() });
        if (outcome === 'duplicate') return { outcome };
      } catch (error) {
        if (error instanceof RefundAmountMismatchError) return { outcome: 'amount-mismatch', paymentAmount: payment.amount };
        throw error;
      }
      await this.payments.save(payment);
      // After the commit of the outermost transaction (right away when there is none), never inside it.
      this.unitOfWork.afterCommit(() => this.detached.start(() => this.attemptRefund.execute({ paymentId: payment.id })));
      return { outcome: 'requested' };
    });
    // Run on its own (no enclosing transaction), the first try is over when this answers.
    if (!this.unitOfWork.inTransaction) await this.detached.settled();
    return result;
  }

  /** Resolves once the first tries started after commits have settled (a service's stop, a test). */
  settled(): Promise<void> {
    return this.detached.settled();
  }
}
