import type { EventOutbox } from '@shop/shared-kernel';
import { InMemoryAggregateRepository, type InMemoryUnitOfWork } from '@shop/testing';
import { Payment, type PaymentSnapshot } from '../../domain/payment.js';
import { CAPTURED_STATUSES } from '../../domain/payment-status.js';
import { paymentIntegrationEvents } from '../payment.integration-events.js';
import type { PaymentRepository } from '../ports/payment.repository.js';

/**
 * Payments in memory, one row per payment id; the unit of work's one-at-a-time transactions stand in for
 * the row lock. It enforces what the store does: one PENDING payment per order (the partial unique index)
 * and the version check (an update of a payment that moved since it was loaded is refused).
 */
export class InMemoryPaymentRepository extends InMemoryAggregateRepository<Payment, PaymentSnapshot> implements PaymentRepository {
  /** The row version each handed-out instance was loaded (or last saved) at. */
  private readonly loadedAt = new WeakMap<Payment, number>();

  constructor(unitOfWork: InMemoryUnitOfWork, outbox: EventOutbox) {
    super(unitOfWork, outbox, paymentIntegrationEvents, { toRow: (payment) => payment.toSnapshot(), fromRow: (row) => Payment.restore(row) });
  }

  async findForUpdate(paymentId: string): Promise<Payment | null> {
    return this.loaded(await this.findById(paymentId.toLowerCase()));
  }

  async find(paymentId: string): Promise<Payment | null> {
    const row = this.rows.get(paymentId.toLowerCase());
    return row === undefined ? null : this.loaded(Payment.restore(row));
  }

  async pendingOfOrder(orderId: string): Promise<Payment | null> {
    const id = orderId.toLowerCase();
    const row = [...this.rows.values()].find((candidate) => candidate.orderId === id && candidate.status === 'PENDING');
    return row === undefined ? null : this.findForUpdate(row.paymentId);
  }

  async hasSucceededPayment(orderId: string): Promise<boolean> {
    const id = orderId.toLowerCase();
    return [...this.rows.values()].some((row) => row.orderId === id && CAPTURED_STATUSES.includes(row.status));
  }

  async pendingCreatedBefore(at: Date, limit: number): Promise<string[]> {
    return [...this.rows.values()]
      .filter((row) => row.status === 'PENDING' && row.createdAt.getTime() < at.getTime())
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.paymentId.localeCompare(b.paymentId))
      .slice(0, limit)
      .map((row) => row.paymentId);
  }

  async refundsDue(at: Date, limit: number): Promise<string[]> {
    return [...this.rows.values()]
      .filter((row) => row.status === 'REFUNDING' && row.refund?.nextAttemptAt != null && row.refund.nextAttemptAt.getTime() <= at.getTime())
      .sort((a, b) => a.refund!.nextAttemptAt!.getTime() - b.refund!.nextAttemptAt!.getTime() || a.paymentId.localeCompare(b.paymentId))
      .slice(0, limit)
      .map((row) => row.paymentId);
  }

  protected override async persist(payment: Payment): Promise<void> {
    const stored = this.rows.get(payment.id);
    const expected = this.loadedAt.get(payment) ?? (stored === undefined ? undefined : payment.version);
    if (stored !== undefined && stored.version !== expected)
      throw new Error(`stale payment ${payment.id}: loaded at version ${String(expected)}, stored at ${stored.version}`);
    if (stored === undefined && this.loadedAt.has(payment)) throw new Error(`payment ${payment.id} was loaded but is gone`);
    if (payment.status === 'PENDING') {
      const other = [...this.rows.values()].find((row) => row.orderId === payment.orderId && row.status === 'PENDING' && row.paymentId !== payment.id);
      if (other) throw new Error(`duplicate key: order ${payment.orderId} has a PENDING payment already (${other.paymentId})`);
    }
    const version = stored === undefined ? 0 : stored.version + 1;
    await super.persist(payment);
    this.rows.set(payment.id, { ...this.rows.get(payment.id)!, version });
    this.loadedAt.set(payment, version);
  }

  /** The stored row as it is. */
  rowOf(paymentId: string): PaymentSnapshot | undefined {
    return this.rows.get(paymentId);
  }

  /** Every stored row. */
  snapshots(): PaymentSnapshot[] {
    return [...this.rows.values()];
  }

  /** The rows of one order's payments, oldest first. */
  ofOrder(orderId: string): PaymentSnapshot[] {
    return this.snapshots()
      .filter((row) => row.orderId === orderId)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  private loaded(payment: Payment | null): Payment | null {
    if (payment) this.loadedAt.set(payment, payment.version);
    return payment;
  }
}
