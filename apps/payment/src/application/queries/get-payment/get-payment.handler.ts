import { Inject, Injectable } from '@nestjs/common';
import { assertUuid } from '@shop/shared-kernel';
import { PaymentNotFoundError } from '../../../domain/payment.errors.js';
import { PAYMENT_QUERIES } from '../../payment.di-tokens.js';
import type { PaymentView } from '../../payment.presenters.js';
import type { PaymentQueries } from '../../ports/payment.queries.js';
import type { GetPaymentQuery } from './get-payment.query.js';

/** One payment with its status and any refund; another customer's payment is PAYMENT_NOT_FOUND, as a missing one. */
@Injectable()
export class GetPaymentHandler {
  constructor(@Inject(PAYMENT_QUERIES) private readonly queries: PaymentQueries) {}

  async execute(query: GetPaymentQuery): Promise<PaymentView> {
    const paymentId = assertUuid('paymentId', query.paymentId);
    const payment = await this.queries.paymentOfUser(paymentId, assertUuid('userId', query.userId));
    if (!payment) throw new PaymentNotFoundError(paymentId);
    return payment;
  }
}
