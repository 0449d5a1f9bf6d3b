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

/** What an error says, for a payment's failure detail or a refund's last error (never its stack). */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message.length > 0 ? `${error.name}: ${error.message}` : error.name;
  return String(error);
}
