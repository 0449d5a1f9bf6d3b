import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { codeOf, MINUTE, paymentApplicationFixture, type PaymentApplicationFixture } from '../../testing/payment-application.fixture.js';

describe('ReconcilePendingPaymentsHandler', () => {
  let f: PaymentApplicationFixture;
  const userId = newId();
  let orderId: string;
  let paymentId: string;
  beforeEach(async () => {
    f = paymentApplicationFixture();
    ({ orderId, paymentId } = await f.pendingPayment(userId, { payable: 12_000 }));
  });
  afterEach(async () => {
    expect(f.provider.callsInTransaction, 'the provider is never called inside a transaction').toBe(0);
    await f.unitOfWork.dispose();
  });
  const run = () => f.handlers.reconcilePending.execute({ limit: 100 });
  const counts = { succeeded: 0, failed: 0, expired: 0, pending: 0 };

  it('leaves payments younger than reconcileAfter alone, asking nothing', async () => {
    f.clock.advance(2 * MINUTE - 1);
    expect(await run()).toEqual({ checked: 0, ...counts, errors: [] });
    expect(f.provider.calls.filter((c) => c.operation === 'queryPayment')).toEqual([]);
  });

  it('applies a success the provider never called back (SUCCEEDED, payment.succeeded.v1)', async () => {
    f.provider.settle(paymentId, 'SUCCEEDED');
    f.clock.advance(3 * MINUTE);
    expect(await run()).toEqual({ checked: 1, ...counts, succeeded: 1, errors: [] });
    expect(f.payments.rowOf(paymentId)!.status).toBe('SUCCEEDED');
    expect(f.eventTypes()).toEqual(['payment.succeeded.v1']);
    // The callback arriving after it changes nothing.
    expect((await f.callback(paymentId)).outcome).toBe('duplicate');
    expect(f.eventTypes()).toEqual(['payment.succeeded.v1']);
  });

  it('applies a failure the provider never called back (FAILED, DECLINED)', async () => {
    f.provider.settle(paymentId, 'FAILED');
    f.clock.advance(3 * MINUTE);
    expect(await run()).toEqual({ checked: 1, ...counts, failed: 1, errors: [] });
    expect(f.payments.rowOf(paymentId)).toMatchObject({ status: 'FAILED', failureReason: 'DECLINED' });
    expect(f.eventTypes()).toEqual(['payment.failed.v1']);
  });

  it('leaves a payment still pending at the provider, before the pending timeout, for the next run', async () => {
    f.clock.advance(3 * MINUTE);
    expect(await run()).toEqual({ checked: 1, ...counts, pending: 1, errors: [] });
    expect(f.provider.calls.filter((c) => c.operation === 'cancelPayment')).toEqual([]);
    expect(f.outbox.events).toEqual([]);
  });

  it('cancels at the provider a payment pending past the timeout: FAILED (EXPIRED)', async () => {
    f.clock.advance(20 * MINUTE);
    expect(await run()).toEqual({ checked: 1, ...counts, expired: 1, errors: [] });
    expect(f.provider.charges.get(paymentId)!.status).toBe('CANCELLED');
    expect(f.payments.rowOf(paymentId)).toMatchObject({ status: 'FAILED', failureReason: 'EXPIRED' });
    expect(f.outbox.events.map((e) => e.payload)).toEqual([expect.objectContaining({ reason: 'EXPIRED' })]);
  });

  it('cancels at once (after reconcileAfter) a payment whose order was cancelled', async () => {
    await f.handlers.closePaymentForOrder.execute({ orderId, userId, closedAs: 'CANCELLED' });
    f.clock.advance(3 * MINUTE);
    expect((await run()).expired).toBe(1);
  });

  it('cancels a payment the provider never heard of (UNKNOWN) once past the timeout', async () => {
    f.provider.charges.delete(paymentId);
    f.clock.advance(3 * MINUTE);
    expect((await run()).pending).toBe(1);
    f.clock.advance(20 * MINUTE);
    expect((await run()).expired).toBe(1);
  });

  it('applies the outcome a cancellation finds instead: already-succeeded → SUCCEEDED, already-failed → FAILED (DECLINED)', async () => {
    const other = await f.pendingPayment(userId);
    f.clock.advance(21 * MINUTE);
    const query = f.provider.queryPayment.bind(f.provider);
    // The provider settles both between the question and the cancellation.
    f.provider.queryPayment = async (id) => {
      const answer = await query(id);
      f.provider.settle(id, id === paymentId ? 'SUCCEEDED' : 'FAILED');
      return answer;
    };
    expect(await run()).toEqual({ checked: 2, ...counts, succeeded: 1, failed: 1, errors: [] });
    expect(f.payments.rowOf(paymentId)!.status).toBe('SUCCEEDED');
    expect(f.payments.rowOf(other.paymentId)).toMatchObject({ status: 'FAILED', failureReason: 'DECLINED' });
  });

  it('skips a payment settled by a callback that got in first: nothing applied twice', async () => {
    f.provider.settle(paymentId, 'SUCCEEDED');
    f.clock.advance(3 * MINUTE);
    const query = f.provider.queryPayment.bind(f.provider);
    f.provider.queryPayment = async (id) => {
      const answer = await query(id);
      await f.callback(id);
      return answer;
    };
    expect(await run()).toEqual({ checked: 1, ...counts, errors: [] });
    expect(f.eventTypes()).toEqual(['payment.succeeded.v1']);
  });

  it('refuses a success of another amount, changing nothing, and reports it for the log', async () => {
    f.provider.settle(paymentId, 'SUCCEEDED');
    f.provider.reportedAmount = 1;
    f.clock.advance(3 * MINUTE);
    const result = await run();
    expect(result).toMatchObject({ checked: 1, succeeded: 0, errors: [{ paymentId, error: expect.objectContaining({ code: 'AMOUNT_MISMATCH' }) }] });
    expect(f.payments.rowOf(paymentId)!.status).toBe('PENDING');
    expect(f.outbox.events).toEqual([]);
  });

  it('goes on past a payment whose provider question fails, each in its own transaction', async () => {
    f.clock.advance(1_000);
    const other = await f.pendingPayment(userId);
    f.provider.settle(paymentId, 'SUCCEEDED');
    f.provider.settle(other.paymentId, 'SUCCEEDED');
    f.clock.advance(3 * MINUTE);
    f.provider.failNext('queryPayment');
    const result = await run();
    expect(result).toMatchObject({ checked: 2, succeeded: 1, errors: [{ paymentId, error: expect.any(Error) }] });
    expect(f.payments.rowOf(other.paymentId)!.status).toBe('SUCCEEDED');
    expect(f.payments.rowOf(paymentId)!.status).toBe('PENDING');
    expect((await run()).succeeded).toBe(1);
  });

  it('looks at the oldest first, at most `limit`, and refuses a limit off 1–1,000', async () => {
    f.clock.advance(1_000);
    await f.pendingPayment(userId);
    f.clock.advance(3 * MINUTE);
    expect((await f.handlers.reconcilePending.execute({ limit: 1 })).checked).toBe(1);
    expect(f.provider.calls.filter((c) => c.operation === 'queryPayment').map((c) => c.paymentId)).toEqual([paymentId]);
    for (const limit of [0, 1_001, 2.5]) expect(await codeOf(f.handlers.reconcilePending.execute({ limit }))).toBe('INVALID_VALUE');
  });
});
