import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { codeOf } from '@shop/testing';
import { MINUTE, paymentApplicationFixture, type PaymentApplicationFixture } from '../../testing/payment-application.fixture.js';
import type { ReconcilePendingPaymentsResult } from './reconcile-pending-payments.command.js';

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
  const run = (skip?: string[]) => f.handlers.reconcilePending.execute({ limit: 100, ...(skip ? { skip } : {}) });
  /** A run's counts (what the job logs per payment aside). */
  const countsOf = async (result: Promise<ReconcilePendingPaymentsResult>) => {
    const { outcomes: _outcomes, complete: _complete, ...counts } = await result;
    return counts;
  };
  const counts = { succeeded: 0, failed: 0, expired: 0, pending: 0 };

  it('leaves payments younger than reconcileAfter alone, asking nothing', async () => {
    f.clock.advance(2 * MINUTE - 1);
    expect(await countsOf(run())).toEqual({ checked: 0, ...counts, errors: [] });
    expect(f.provider.calls.filter((c) => c.operation === 'queryPayment')).toEqual([]);
  });

  it('applies a success the provider never called back (SUCCEEDED, payment.succeeded.v1)', async () => {
    f.provider.settle(paymentId, 'SUCCEEDED');
    f.clock.advance(3 * MINUTE);
    expect(await countsOf(run())).toEqual({ checked: 1, ...counts, succeeded: 1, errors: [] });
    expect(f.payments.rowOf(paymentId)!.status).toBe('SUCCEEDED');
    expect(f.eventTypes()).toEqual(['payment.succeeded.v1']);
    // The callback arriving after it changes nothing.
    expect((await f.callback(paymentId)).outcome).toBe('duplicate');
    expect(f.eventTypes()).toEqual(['payment.succeeded.v1']);
  });

  it('applies a failure the provider never called back (FAILED, DECLINED)', async () => {
    f.provider.settle(paymentId, 'FAILED');
    f.clock.advance(3 * MINUTE);
    expect(await countsOf(run())).toEqual({ checked: 1, ...counts, failed: 1, errors: [] });
    expect(f.payments.rowOf(paymentId)).toMatchObject({ status: 'FAILED', failureReason: 'DECLINED' });
    expect(f.eventTypes()).toEqual(['payment.failed.v1']);
  });

  it('leaves a payment still pending at the provider, before the pending timeout, for the next run', async () => {
    f.clock.advance(3 * MINUTE);
    expect(await countsOf(run())).toEqual({ checked: 1, ...counts, pending: 1, errors: [] });
    expect(f.provider.calls.filter((c) => c.operation === 'cancelPayment')).toEqual([]);
    expect(f.outbox.events).toEqual([]);
  });

  it('cancels at the provider a payment pending past the timeout: FAILED (EXPIRED)', async () => {
    f.clock.advance(20 * MINUTE);
    expect(await countsOf(run())).toEqual({ checked: 1, ...counts, expired: 1, errors: [] });
    expect(f.provider.charges.get(paymentId)!.status).toBe('CANCELLED');
    expect(f.payments.rowOf(paymentId)).toMatchObject({ status: 'FAILED', failureReason: 'EXPIRED' });
    expect(f.outbox.events.map((e) => e.payload)).toEqual([expect.objectContaining({ reason: 'EXPIRED' })]);
  });

  it.each(['CANCELLED', 'PAID'] as const)(
    'cancels at once (after reconcileAfter) a payment whose order is %s, reading the order without locking it',
    async (closedAs) => {
      await f.handlers.closePaymentForOrder.execute({ orderId, userId, closedAs });
      f.clock.advance(3 * MINUTE);
      f.orders.findForUpdate = () => Promise.reject(new Error('reconciliation only reads the order: no lock'));
      expect(await countsOf(run())).toEqual({ checked: 1, ...counts, expired: 1, errors: [] });
      expect(f.payments.rowOf(paymentId)).toMatchObject({ status: 'FAILED', failureReason: 'EXPIRED' });
      expect(f.provider.charges.get(paymentId)!.status).toBe('CANCELLED');
    },
  );

  it('cancels at once a payment the provider never heard of (UNKNOWN: its create never reached it), without waiting for the pending timeout', async () => {
    f.provider.charges.delete(paymentId);
    f.clock.advance(2 * MINUTE + 1);
    expect(await countsOf(run())).toEqual({ checked: 1, ...counts, expired: 1, errors: [] });
    expect(f.provider.calls.filter((c) => c.operation !== 'createPayment').map((c) => c.operation)).toEqual(['queryPayment', 'cancelPayment']);
    expect(f.payments.rowOf(paymentId)).toMatchObject({
      status: 'FAILED',
      failureReason: 'EXPIRED',
      failureDetail: expect.stringContaining('unknown to the provider'),
    });
    expect(f.outbox.events.map((e) => e.payload)).toEqual([expect.objectContaining({ paymentId, reason: 'EXPIRED' })]);
  });

  it('leaves an UNKNOWN payment alone while its own create may still be on its way to the provider (younger than 2 × providerTimeoutMs)', async () => {
    f = paymentApplicationFixture({ rules: { reconcileAfterMs: 0, providerTimeoutMs: 3_000 } });
    ({ paymentId } = await f.pendingPayment(userId));
    f.provider.charges.delete(paymentId);
    f.clock.advance(6_000 - 1);
    expect(await countsOf(run())).toEqual({ checked: 1, ...counts, pending: 1, errors: [] });
    expect(f.provider.calls.filter((c) => c.operation === 'cancelPayment')).toEqual([]);
    f.clock.advance(1);
    expect(await countsOf(run())).toEqual({ checked: 1, ...counts, expired: 1, errors: [] });
  });

  it('applies a failure the provider reports with another amount (no money moved: its state alone decides)', async () => {
    f.provider.settle(paymentId, 'FAILED');
    f.provider.reportedAmount = 1;
    f.clock.advance(3 * MINUTE);
    expect(await countsOf(run())).toEqual({ checked: 1, ...counts, failed: 1, errors: [] });
    expect(f.payments.rowOf(paymentId)).toMatchObject({ status: 'FAILED', failureReason: 'DECLINED' });
  });

  it('applies the outcome a cancellation finds instead: already-succeeded → SUCCEEDED, already-failed → FAILED (DECLINED)', async () => {
    const other = await f.pendingPayment(userId);
    f.clock.advance(21 * MINUTE);
    const query = f.provider.queryPayment.bind(f.provider);
    // The provider settles both between the question and the cancellation.
    f.provider.queryPayment = async (id, options) => {
      const answer = await query(id, options);
      f.provider.settle(id, id === paymentId ? 'SUCCEEDED' : 'FAILED');
      return answer;
    };
    expect(await countsOf(run())).toEqual({ checked: 2, ...counts, succeeded: 1, failed: 1, errors: [] });
    expect(f.payments.rowOf(paymentId)!.status).toBe('SUCCEEDED');
    expect(f.payments.rowOf(other.paymentId)).toMatchObject({ status: 'FAILED', failureReason: 'DECLINED' });
  });

  describe('a cancellation of an UNKNOWN payment that finds it succeeded (its create arrived and was paid meanwhile)', () => {
    beforeEach(() => {
      const charge = f.provider.charges.get(paymentId)!;
      f.provider.charges.delete(paymentId);
      f.clock.advance(3 * MINUTE);
      const query = f.provider.queryPayment.bind(f.provider);
      // UNKNOWN to the first question; the charge opens and is paid before the cancellation.
      f.provider.queryPayment = async (id, options) => {
        const answer = await query(id, options);
        if (!f.provider.charges.has(id)) f.provider.charges.set(id, { ...charge, status: 'SUCCEEDED' });
        return answer;
      };
    });

    it('asks the provider again and applies the success it reports', async () => {
      expect(await countsOf(run())).toEqual({ checked: 1, ...counts, succeeded: 1, errors: [] });
      expect(f.provider.calls.filter((c) => c.operation !== 'createPayment').map((c) => c.operation)).toEqual([
        'queryPayment',
        'cancelPayment',
        'queryPayment',
      ]);
      expect(f.payments.rowOf(paymentId)!.status).toBe('SUCCEEDED');
    });

    it('refuses it when the provider took another amount, changing nothing', async () => {
      f.provider.reportedAmount = 1;
      const result = await run();
      expect(result).toMatchObject({ checked: 1, succeeded: 0, errors: [{ paymentId, error: expect.objectContaining({ code: 'AMOUNT_MISMATCH' }) }] });
      expect(f.payments.rowOf(paymentId)!.status).toBe('PENDING');
      expect(f.outbox.events).toEqual([]);
    });

    it('reports an error, changing nothing, when asked again the provider says no amount', async () => {
      const query = f.provider.queryPayment.bind(f.provider);
      f.provider.queryPayment = async (id, options) => {
        const { amount: _amount, ...answer } = await query(id, options);
        return answer;
      };
      const result = await run();
      expect(result).toMatchObject({
        checked: 1,
        succeeded: 0,
        errors: [{ paymentId, error: expect.objectContaining({ message: expect.stringContaining('no amount') }) }],
      });
      expect(f.payments.rowOf(paymentId)!.status).toBe('PENDING');
      expect(f.outbox.events).toEqual([]);
    });
  });

  it('skips a payment settled by a callback that got in first: nothing applied twice', async () => {
    f.provider.settle(paymentId, 'SUCCEEDED');
    f.clock.advance(3 * MINUTE);
    const query = f.provider.queryPayment.bind(f.provider);
    f.provider.queryPayment = async (id, options) => {
      const answer = await query(id, options);
      await f.callback(id);
      return answer;
    };
    expect(await countsOf(run())).toEqual({ checked: 1, ...counts, errors: [] });
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
  it.each(['queryPayment', 'cancelPayment'] as const)(
    'counts a %s not answered within providerTimeoutMs as an error of that payment (aborted through its signal), changing nothing; the next run settles it',
    async (operation) => {
      f = paymentApplicationFixture({ rules: { providerTimeoutMs: 20 } });
      ({ paymentId } = await f.pendingPayment(userId));
      f.clock.advance(20 * MINUTE);
      f.provider.hangNext(operation);
      const result = await run();
      expect(result).toMatchObject({ checked: 1, expired: 0, errors: [{ paymentId, error: expect.objectContaining({ name: 'ProviderTimeoutError' }) }] });
      expect(f.provider.calls.find((c) => c.operation === operation)!.signal!.aborted).toBe(true);
      expect(f.payments.rowOf(paymentId)!.status).toBe('PENDING');
      expect((await run()).expired).toBe(1);
    },
  );

  it('does not wait past providerTimeoutMs for a provider that ignores the signal either', async () => {
    f = paymentApplicationFixture({ rules: { providerTimeoutMs: 20 } });
    ({ paymentId } = await f.pendingPayment(userId));
    f.clock.advance(3 * MINUTE);
    f.provider.hangNext('queryPayment', { ignoringSignal: true });
    expect((await run()).errors).toEqual([{ paymentId, error: expect.objectContaining({ name: 'ProviderTimeoutError' }) }]);
  });

  describe('one run: listing and settling together (the job passes what it backs off as `skip`)', () => {
    let later: Array<{ paymentId: string }>;
    beforeEach(async () => {
      later = [];
      for (let i = 0; i < 3; i++) {
        f.clock.advance(1_000);
        later.push(await f.pendingPayment(userId));
      }
      for (const { paymentId: id } of [{ paymentId }, ...later]) f.provider.settle(id, 'SUCCEEDED');
      f.clock.advance(3 * MINUTE);
    });
    const queried = () => f.provider.calls.filter((c) => c.operation === 'queryPayment').map((c) => c.paymentId);

    it('leaves out the payments in `skip`, neither asking about them nor counting them in `limit`', async () => {
      const result = await f.handlers.reconcilePending.execute({ limit: 3, skip: [paymentId.toUpperCase(), later[0]!.paymentId] });
      expect(queried()).toEqual([later[1]!.paymentId, later[2]!.paymentId]);
      expect(result).toMatchObject({ checked: 2, succeeded: 2, complete: true });
      expect(result.outcomes).toEqual([
        { paymentId: later[1]!.paymentId, outcome: 'succeeded' },
        { paymentId: later[2]!.paymentId, outcome: 'succeeded' },
      ]);
      expect(f.payments.rowOf(paymentId)!.status).toBe('PENDING');
    });

    it('says whether it looked at every stuck payment outside `skip` (`complete`): not when `limit` left some for later', async () => {
      expect(await f.handlers.reconcilePending.execute({ limit: 3 })).toMatchObject({ checked: 3, complete: false });
      expect(await f.handlers.reconcilePending.execute({ limit: 3 })).toMatchObject({ checked: 1, complete: true });
      expect(await f.handlers.reconcilePending.execute({ limit: 3 })).toMatchObject({ checked: 0, complete: true });
    });

    it('starts no further payment once its signal is aborted (the run past its deadline), and is then not complete', async () => {
      const deadline = new AbortController();
      const query = f.provider.queryPayment.bind(f.provider);
      f.provider.queryPayment = async (id, options) => {
        deadline.abort();
        return query(id, options);
      };
      const result = await f.handlers.reconcilePending.execute({ limit: 100, signal: deadline.signal });
      expect(result).toMatchObject({ checked: 1, succeeded: 1, complete: false });
      expect(queried()).toEqual([paymentId]);
    });
  });
});
