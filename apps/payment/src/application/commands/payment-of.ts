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

/**
 * Work started after a commit (a provider call that must not hold a transaction) that nobody awaits:
 * kept until it settles, so that `settled()` can wait for it (a service's stop, a test). Its failure is
 * left to the scheduled job that retries it; nothing here throws it.
 */
export class DetachedWork {
  private readonly running = new Set<Promise<unknown>>();

  start(work: () => Promise<unknown>): void {
    const promise = work().catch(() => undefined);
    this.running.add(promise);
    void promise.finally(() => this.running.delete(promise));
  }

  /** Resolves once every piece of work started so far has settled. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
