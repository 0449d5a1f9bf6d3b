import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { assertSandboxSimulation } from '../../testing/contract-shapes.js';
import { codeOf, paymentApplicationFixture, type PaymentApplicationFixture } from '../../testing/payment-application.fixture.js';
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

  it('re-simulating the same outcome sends the callback again (a duplicate); the other outcome is ALREADY_SETTLED', async () => {
    await f.handlers.simulatePayment.execute({ userId, paymentId, outcome: 'success' });
    await f.handlers.simulatePayment.execute({ userId, paymentId, outcome: 'success' });
    expect(await f.deliverCallbacks()).toEqual(['succeeded', 'duplicate']);
    expect(await codeOf(f.handlers.simulatePayment.execute({ userId, paymentId, outcome: 'failure' }))).toBe('ALREADY_SETTLED');
    expect(f.eventTypes()).toEqual(['payment.succeeded.v1']);
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

  it('a payment with no charge at the sandbox (settled free) is PAYMENT_NOT_FOUND there', async () => {
    const orderId = await f.awaitingOrder(userId, { payable: 0 });
    const [free] = f.payments.ofOrder(orderId);
    expect(await codeOf(f.handlers.simulatePayment.execute({ userId, paymentId: free!.paymentId, outcome: 'success' }))).toBe('PAYMENT_NOT_FOUND');
  });
});
