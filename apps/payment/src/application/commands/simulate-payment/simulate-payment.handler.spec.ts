import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { codeOf } from '@shop/testing';
import { assertSandboxSimulation } from '../../testing/contract-shapes.js';
import { paymentApplicationFixture, type PaymentApplicationFixture } from '../../testing/payment-application.fixture.js';
import { SimulatePaymentHandler } from './simulate-payment.handler.js';

describe('SimulatePaymentHandler', () => {
  let f: PaymentApplicationFixture;
  const userId = newId();
  let paymentId: string;
  beforeEach(async () => {
    f = paymentApplicationFixture();
    ({ paymentId } = await f.pendingPayment(userId));
  });
  afterEach(async () => {
    expect(f.provider.callsInTransaction).toBe(0);
    await f.unitOfWork.dispose();
  });

  it('settles the charge at the sandbox and answers what it was told, the defaults filled in; the callback then settles the payment', async () => {
    const answer = await f.handlers.simulatePayment.execute({ userId, paymentId, outcome: 'success' });
    expect(answer).toEqual({ paymentId, outcome: 'success', callback: 'send', refunds: 'accept' });
    expect(() => assertSandboxSimulation(answer)).not.toThrow();
    // The answer changed nothing here: the callback does.
    expect(f.payments.rowOf(paymentId)!.status).toBe('PENDING');
    expect(await f.deliverCallbacks()).toEqual(['succeeded']);
    expect(f.payments.rowOf(paymentId)!.status).toBe('SUCCEEDED');
  });

  it('a failure calls back a failure', async () => {
    await f.handlers.simulatePayment.execute({ userId, paymentId, outcome: 'failure' });
    expect(await f.deliverCallbacks()).toEqual(['failed']);
    expect(f.payments.rowOf(paymentId)).toMatchObject({ status: 'FAILED', failureReason: 'DECLINED' });
  });

  it('withholds the callback when told: the provider is silent, the payment stays PENDING', async () => {
    expect(await f.handlers.simulatePayment.execute({ userId, paymentId, outcome: 'success', callback: 'withhold', refunds: 'refuse' })).toEqual({
      paymentId,
      outcome: 'success',
      callback: 'withhold',
      refunds: 'refuse',
    });
    expect(await f.deliverCallbacks()).toEqual([]);
    expect(f.provider.charges.get(paymentId)).toMatchObject({ status: 'SUCCEEDED', refunds: 'refuse' });
  });

  it('while the payment is PENDING here, simulating again the way the sandbox settled it sends the callback again (a withheld one); the other way is ALREADY_SETTLED', async () => {
    await f.handlers.simulatePayment.execute({ userId, paymentId, outcome: 'success', callback: 'withhold' });
    await f.handlers.simulatePayment.execute({ userId, paymentId, outcome: 'success' });
    expect(await codeOf(f.handlers.simulatePayment.execute({ userId, paymentId, outcome: 'failure' }))).toBe('ALREADY_SETTLED');
    expect(await f.deliverCallbacks()).toEqual(['succeeded']);
    expect(f.eventTypes()).toEqual(['payment.succeeded.v1']);
  });

  it('a captured payment simulated again as a success goes to the sandbox: its callback again (a duplicate) and its refunds setting', async () => {
    await f.handlers.simulatePayment.execute({ userId, paymentId, outcome: 'success', refunds: 'refuse' });
    await f.deliverCallbacks();
    expect(await f.handlers.simulatePayment.execute({ userId, paymentId, outcome: 'success', refunds: 'accept' })).toMatchObject({ refunds: 'accept' });
    expect(f.provider.charges.get(paymentId)!.refunds).toBe('accept');
    expect(await f.deliverCallbacks()).toEqual(['duplicate']);
    expect(f.eventTypes()).toEqual(['payment.succeeded.v1']);
  });

  it('a declined payment simulated again as a failure goes to the sandbox (its callback again, ignored)', async () => {
    await f.handlers.simulatePayment.execute({ userId, paymentId, outcome: 'failure' });
    await f.deliverCallbacks();
    await f.handlers.simulatePayment.execute({ userId, paymentId, outcome: 'failure' });
    expect(await f.deliverCallbacks()).toEqual(['ignored']);
  });

  it.each([
    ['succeeded', 'success', 'failure'],
    ['failed', 'failure', 'success'],
  ] as const)('a payment %s here is ALREADY_SETTLED for the other outcome, the sandbox not asked', async (_, settled, other) => {
    await f.handlers.simulatePayment.execute({ userId, paymentId, outcome: settled });
    await f.deliverCallbacks();
    const asked = f.provider.calls.length;
    expect(await codeOf(f.handlers.simulatePayment.execute({ userId, paymentId, outcome: other }))).toBe('ALREADY_SETTLED');
    expect(f.provider.calls).toHaveLength(asked);
  });

  it("refuses someone else's payment and an unknown one alike (PAYMENT_NOT_FOUND), settling nothing", async () => {
    expect(await codeOf(f.handlers.simulatePayment.execute({ userId: newId(), paymentId, outcome: 'success' }))).toBe('PAYMENT_NOT_FOUND');
    expect(await codeOf(f.handlers.simulatePayment.execute({ userId, paymentId: newId(), outcome: 'success' }))).toBe('PAYMENT_NOT_FOUND');
    expect(f.provider.charges.get(paymentId)!.status).toBe('PENDING');
  });

  it('answers SANDBOX_DISABLED when the sandbox is off, before looking at the payment', async () => {
    const off = new SimulatePaymentHandler(f.payments, { ...f.rules, sandbox: false }, f.provider);
    expect(await codeOf(off.execute({ userId, paymentId, outcome: 'success' }))).toBe('SANDBOX_DISABLED');
    expect(await codeOf(off.execute({ userId: newId(), paymentId: newId(), outcome: 'success' }))).toBe('SANDBOX_DISABLED');
    const unbound = new SimulatePaymentHandler(f.payments, f.rules, null);
    expect(await codeOf(unbound.execute({ userId, paymentId, outcome: 'success' }))).toBe('SANDBOX_DISABLED');
    expect(f.provider.charges.get(paymentId)!.status).toBe('PENDING');
  });

  it.each([
    [
      'settled free (nothing to pay)',
      async () => {
        const orderId = await f.awaitingOrder(userId, { payable: 0 });
        return f.payments.ofOrder(orderId)[0]!.paymentId;
      },
    ],
    [
      'FAILED (PROVIDER_ERROR) when it was created',
      async () => {
        const orderId = await f.awaitingOrder(userId);
        f.provider.failNext('createPayment');
        return (await f.handlers.createPayment.execute({ userId, orderId })).paymentId;
      },
    ],
  ])('a payment with no charge at the sandbox, %s, is ALREADY_SETTLED either way as GET shows it (not PAYMENT_NOT_FOUND)', async (_, paymentOfNoCharge) => {
    const id = await paymentOfNoCharge();
    expect(f.provider.charges.has(id)).toBe(false);
    for (const outcome of ['success', 'failure'] as const)
      expect(await codeOf(f.handlers.simulatePayment.execute({ userId, paymentId: id, outcome }))).toBe('ALREADY_SETTLED');
    expect(f.provider.calls.filter((call) => call.operation === 'simulate')).toEqual([]);
  });
});
