import { assertUuid } from '@shop/shared-kernel';
import type { Payment } from '../../domain/payment.js';
import { PaymentNotFoundError } from '../../domain/payment.errors.js';
import type { PaymentRepository } from '../ports/payment.repository.js';

/** The payment, locked for the transaction; PAYMENT_NOT_FOUND when there is none. */
export async function paymentOf(payments: PaymentRepository, paymentId: string): Promise<Payment> {
  const id = assertUuid('paymentId', paymentId);
  const payment = await payments.findForUpdate(id);
  if (!payment) throw new PaymentNotFoundError(id);
  return payment;
}
