import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { codeOf } from '@shop/testing';
import { AttemptRefundHandler } from './attempt-refund.handler.js';
import { FIXTURE_NOW, MINUTE, paymentApplicationFixture, type PaymentApplicationFixture } from '../../testing/payment-application.fixture.js';

describe('AttemptRefundHandler', () => {
  let f: PaymentApplicationFixture;
  const userId = newId();
  let paymentId: string;
  beforeEach(async () => {
    f = paymentApplicationFixture();
    const paid = await f.succeededPayment(userId, { payable: 12_000 });
    paymentId = paid.paymentId;
    // The first try (right after the request) refused: REFUNDING, due again later.
    f.provider.charges.get(paymentId)!.refunds = 'refuse';
    await f.handlers.requestRefund.execute({ orderId: paid.orderId, paymentId, amount: 12_000, reason: 'CUSTOMER_REQUEST' });
    f.outbox.events = [];
  });
  afterEach(async () => {
    expect(f.provider.callsInTransaction).toBe(0);
    await f.unitOfWork.dispose();
  });

  it('puts each refused try off twice as long as the last (5 s, 10 s, 20 s …) up to the cap, for ever', async () => {
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) {
      const result = await f.handlers.attemptRefund.execute({ paymentId });
      expect(result.outcome).toBe('refused');
      waits.push((result as { nextAttemptAt: Date }).nextAttemptAt.getTime() - f.clock.now().getTime());
    }
    expect(waits).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 600_000, 600_000, 600_000, 600_000]);
    expect(f.payments.rowOf(paymentId)).toMatchObject({ status: 'REFUNDING', refund: { attempts: 11 } });
  });

  it('refunds once the provider accepts: REFUNDED, payment.refunded.v1 once, the same refund id every try', async () => {
    const refundIds: string[] = [];
    const refund = f.provider.refundPayment.bind(f.provider);
    f.provider.refundPayment = (r, options) => (refundIds.push(r.refundId), refund(r, options));
    await f.handlers.attemptRefund.execute({ paymentId });
    f.provider.charges.get(paymentId)!.refunds = 'accept';
    f.clock.advance(MINUTE);
    expect(await f.handlers.attemptRefund.execute({ paymentId })).toEqual({ outcome: 'refunded' });
    expect(await f.handlers.attemptRefund.execute({ paymentId })).toEqual({ outcome: 'duplicate' });
    expect(f.eventTypes()).toEqual(['payment.refunded.v1']);
    expect(f.payments.rowOf(paymentId)).toMatchObject({ status: 'REFUNDED', refund: { attempts: 2, refundedAt: new Date(FIXTURE_NOW.getTime() + MINUTE) } });
    expect(refundIds).toHaveLength(2);
    expect(new Set(refundIds)).toEqual(new Set([f.payments.rowOf(paymentId)!.refund!.refundId]));
    expect(f.provider.refundsOf(paymentId)).toBe(1);
  });

  it('two tries racing (the job and the first try) refund once: the provider is idempotent on the refund id, the second applies nothing', async () => {
    f.provider.charges.get(paymentId)!.refunds = 'accept';
    const results = await Promise.all([f.handlers.attemptRefund.execute({ paymentId }), f.handlers.attemptRefund.execute({ paymentId })]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['duplicate', 'refunded']);
    expect(f.eventTypes()).toEqual(['payment.refunded.v1']);
    expect(f.provider.refundsOf(paymentId)).toBe(1);
  });

  it('tries nothing for a payment with no refund under way, and refuses to run inside a transaction', async () => {
    const other = await f.succeededPayment(userId);
    expect(await f.handlers.attemptRefund.execute({ paymentId: other.paymentId })).toEqual({ outcome: 'not-refunding' });
    expect(await codeOf(f.handlers.attemptRefund.execute({ paymentId: newId() }))).toBe('PAYMENT_NOT_FOUND');
    await expect(f.unitOfWork.run(() => f.handlers.attemptRefund.execute({ paymentId }))).rejects.toThrow(/outside any transaction/);
  });

  it.each([{ ignoringSignal: false }, { ignoringSignal: true }])(
    'counts a provider not answering within providerTimeoutMs (%o) as a refused try: backoff, and the next try refunds',
    async ({ ignoringSignal }) => {
      const attemptRefund = new AttemptRefundHandler(f.unitOfWork, f.payments, f.provider, f.clock, { ...f.rules, providerTimeoutMs: 20 });
      f.provider.charges.get(paymentId)!.refunds = 'accept';
      f.provider.hangNext('refundPayment', { ignoringSignal });
      const result = await attemptRefund.execute({ paymentId });
      expect(result).toMatchObject({ outcome: 'refused', error: expect.stringContaining('did not answer within 20 ms') });
      expect(f.payments.rowOf(paymentId)).toMatchObject({ status: 'REFUNDING', refund: expect.objectContaining({ attempts: 2 }) });
      expect(f.provider.calls.at(-1)!.signal!.aborted).toBe(true);
      expect(await attemptRefund.execute({ paymentId })).toEqual({ outcome: 'refunded' });
    },
  );

  it('keeps the refund due when its outcome cannot be recorded (the store failing): the next run tries again, the provider idempotent', async () => {
    f.provider.charges.get(paymentId)!.refunds = 'accept';
    f.outbox.failNext = new Error('database gone');
    await expect(f.handlers.attemptRefund.execute({ paymentId })).rejects.toThrow('database gone');
    expect(f.payments.rowOf(paymentId)!.status).toBe('REFUNDING');
    expect(await f.handlers.attemptRefund.execute({ paymentId })).toEqual({ outcome: 'refunded' });
    expect(f.provider.refundsOf(paymentId)).toBe(1);
  });
});
