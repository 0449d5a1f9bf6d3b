import { canonicalId } from '@shop/shared-kernel';
import { adminPaymentViewOf, paymentViewOf, type AdminPaymentView, type PaymentView } from '../payment.presenters.js';
import type { AdminPaymentsPage, AdminPaymentsRequest, PaymentQueries } from '../ports/payment.queries.js';
import type { InMemoryPaymentRepository } from './in-memory-payment.repository.js';

/** The read side over the in-memory payments: newest first by (createdAt, paymentId), as the SQL does. */
export class InMemoryPaymentQueries implements PaymentQueries {
  constructor(private readonly payments: InMemoryPaymentRepository) {}

  async paymentOfUser(paymentId: string, userId: string): Promise<PaymentView | null> {
    const row = this.payments.rowOf(canonicalId(paymentId));
    return row === undefined || row.userId !== canonicalId(userId) ? null : paymentViewOf(row);
  }

  async payment(paymentId: string): Promise<AdminPaymentView | null> {
    const row = this.payments.rowOf(canonicalId(paymentId));
    return row === undefined ? null : adminPaymentViewOf(row);
  }

  async listForAdmin(request: AdminPaymentsRequest): Promise<AdminPaymentsPage> {
    const { cursor, limit, status } = request;
    const newestFirst = this.payments
      .snapshots()
      .filter((row) => status === undefined || row.status === status)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.paymentId.localeCompare(a.paymentId))
      .filter(
        (row) =>
          cursor === null ||
          row.createdAt.getTime() < cursor.createdAt.getTime() ||
          (row.createdAt.getTime() === cursor.createdAt.getTime() && row.paymentId < cursor.paymentId),
      );
    const page = newestFirst.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(adminPaymentViewOf),
      nextCursor: newestFirst.length > limit && last ? { createdAt: last.createdAt, paymentId: last.paymentId } : null,
    };
  }
}
