import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventSchemaRegistry, PaymentFailedV1, PaymentSucceededV1 } from '@shop/contracts';
import { newId } from '@shop/shared-kernel';
import { codeOf } from '@shop/testing';
import { assertPaymentView } from '../../testing/contract-shapes.js';
import { FIXTURE_NOW, MINUTE, paymentApplicationFixture, type PaymentApplicationFixture } from '../../testing/payment-application.fixture.js';

const schemas = new EventSchemaRegistry([PaymentSucceededV1, PaymentFailedV1]);

describe('CreatePaymentHandler', () => {
  let f: PaymentApplicationFixture;
  const userId = newId();
  beforeEach(() => {
    f = paymentApplicationFixture();
  });
  afterEach(async () => {
    expect(f.provider.callsInTransaction, 'the provider is never called inside a transaction').toBe(0);
    await f.unitOfWork.dispose();
  });

  it("starts a PENDING payment of the order's payable, committed before the provider is called outside any transaction", async () => {
    const orderId = await f.awaitingOrder(userId, { payable: 12_345 });
    const seen: Array<{ status: string | undefined; inTransaction: boolean }> = [];
    const create = f.provider.createPayment.bind(f.provider);
    f.provider.createPayment = async (request, options) => {
      seen.push({ status: f.payments.rowOf(request.paymentId)?.status, inTransaction: f.unitOfWork.inTransaction });
      return create(request, options);
    };

    const view = await f.handlers.createPayment.execute({ userId, orderId });

    expect(view).toEqual({
      paymentId: expect.any(String),
      orderId,
      amount: 12_345,
      currency: 'CNY',
      status: 'PENDING',
      provider: 'sandbox',
      createdAt: FIXTURE_NOW.toISOString(),
      settledAt: null,
      failureReason: null,
      refund: null,
    });
    expect(() => assertPaymentView(view)).not.toThrow();
    expect(seen).toEqual([{ status: 'PENDING', inTransaction: false }]);
    expect(f.provider.charges.get(view.paymentId)).toMatchObject({ amount: 12_345, currency: 'CNY' });
    expect(f.payments.rowOf(view.paymentId)).toMatchObject({ userId, status: 'PENDING', providerPaymentId: 'sbx_1' });
    // Starting announces nothing: the outcome does.
    expect(f.outbox.events).toEqual([]);
  });

  it('takes ids in any spelling', async () => {
    const orderId = await f.awaitingOrder(userId);
    const view = await f.handlers.createPayment.execute({ userId: userId.toUpperCase(), orderId: orderId.toUpperCase() });
    expect(view.orderId).toBe(orderId);
  });

  describe('refuses, storing nothing and calling no provider', () => {
    const refusedWith = async (code: string, orderId: string, as = userId) => {
      const before = f.payments.snapshots().length;
      const calls = f.provider.calls.length;
      expect(await codeOf(f.handlers.createPayment.execute({ userId: as, orderId }))).toBe(code);
      expect(f.payments.snapshots()).toHaveLength(before);
      expect(f.provider.calls).toHaveLength(calls);
    };

    it('an order never heard of (ORDER_NOT_FOUND)', async () => {
      await refusedWith('ORDER_NOT_FOUND', newId());
    });

    it("someone else's order, as if it did not exist (ORDER_NOT_FOUND)", async () => {
      await refusedWith('ORDER_NOT_FOUND', await f.awaitingOrder(newId()));
    });

    it.each(['CANCELLED', 'PAID'] as const)('an order %s (NOT_PAYABLE)', async (closedAs) => {
      const orderId = await f.awaitingOrder(userId);
      await f.handlers.closePaymentForOrder.execute({ orderId, userId, closedAs });
      await refusedWith('NOT_PAYABLE', orderId);
    });

    it('an order cancelled before its awaiting arrived (NOT_PAYABLE)', async () => {
      const orderId = newId();
      await f.handlers.closePaymentForOrder.execute({ orderId, userId, closedAs: 'CANCELLED' });
      await f.awaitingOrder(userId, { orderId });
      await refusedWith('NOT_PAYABLE', orderId);
    });

    it('an order past its payment deadline (NOT_PAYABLE), the deadline itself included', async () => {
      const orderId = await f.awaitingOrder(userId, { dueInMs: 15 * MINUTE });
      f.clock.advance(15 * MINUTE);
      await refusedWith('NOT_PAYABLE', orderId);
    });

    it('a second payment while the first is PENDING (PAYMENT_IN_PROGRESS)', async () => {
      const { orderId } = await f.pendingPayment(userId);
      await refusedWith('PAYMENT_IN_PROGRESS', orderId);
    });

    it.each([
      ['succeeded', async (paymentId: string) => void (await f.callback(paymentId))],
      [
        'being refunded',
        async (paymentId: string) => {
          await f.callback(paymentId);
          const { orderId, amount } = f.payments.rowOf(paymentId)!;
          f.provider.failNext('refundPayment');
          await f.handlers.requestRefund.execute({ orderId, paymentId, amount, reason: 'CUSTOMER_REQUEST' });
        },
      ],
    ])('an order whose payment %s, even with the projection still awaiting (NOT_PAYABLE)', async (_, settle) => {
      const { orderId, paymentId } = await f.pendingPayment(userId);
      await settle(paymentId);
      await refusedWith('NOT_PAYABLE', orderId);
    });

    it('an order with nothing to pay: settled free already (NOT_PAYABLE)', async () => {
      await refusedWith('NOT_PAYABLE', await f.awaitingOrder(userId, { payable: 0 }));
    });

    it('an order id that is no UUID (INVALID_VALUE)', async () => {
      await refusedWith('INVALID_VALUE', 'order-1');
    });
  });

  describe('an order not heard of yet: waited for up to orderArrivalWaitMs (its event on the way), reading the projection outside any transaction', () => {
    /** Every read-only look of the wait at the projection (whether it was inside a transaction), and a promise of the first. */
    const watchLooks = () => {
      const looks: Array<{ inTransaction: boolean }> = [];
      let looked!: () => void;
      const firstLook = new Promise<void>((resolve) => (looked = resolve));
      const find = f.orders.find.bind(f.orders);
      f.orders.find = async (orderId) => {
        looks.push({ inTransaction: f.unitOfWork.inTransaction });
        looked();
        return find(orderId);
      };
      return { looks, firstLook };
    };
    /** Until the request looks for the order a first time (it waits), or it has answered without waiting. */
    const waiting = (firstLook: Promise<void>, answer: Promise<unknown>) => Promise.race([firstLook, answer.then(noop, noop)]);
    const noop = () => undefined;

    it('its awaiting arrives while the request waits: the payment starts (PENDING)', async () => {
      f = paymentApplicationFixture({ rules: { orderArrivalWaitMs: 10_000 } });
      const { looks, firstLook } = watchLooks();
      const orderId = newId();

      const paying = f.handlers.createPayment.execute({ userId, orderId });
      await waiting(firstLook, paying);
      await f.awaitingOrder(userId, { orderId, payable: 7_000 });

      expect(await paying).toMatchObject({ orderId, amount: 7_000, status: 'PENDING' });
      expect(f.payments.ofOrder(orderId).map((p) => p.status)).toEqual(['PENDING']);
      expect(looks.length).toBeGreaterThan(0);
      expect(
        looks.every((look) => !look.inTransaction),
        'no transaction held while waiting',
      ).toBe(true);
    });

    it('its awaiting never arrives: ORDER_NOT_FOUND once the wait is up, nothing stored, no provider called', async () => {
      f = paymentApplicationFixture({ rules: { orderArrivalWaitMs: 60 } });
      const { looks } = watchLooks();
      const startedAt = performance.now();
      expect(await codeOf(f.handlers.createPayment.execute({ userId, orderId: newId() }))).toBe('ORDER_NOT_FOUND');
      expect(performance.now() - startedAt).toBeGreaterThanOrEqual(60);
      // 10, 20, 40 ms apart at first: looked more than once, never in a transaction.
      expect(looks.length).toBeGreaterThan(1);
      expect(looks.every((look) => !look.inTransaction)).toBe(true);
      expect(f.payments.snapshots()).toEqual([]);
      expect(f.provider.calls).toEqual([]);
    });

    it("another user's order arrives while the request waits: ORDER_NOT_FOUND as soon as it is there", async () => {
      f = paymentApplicationFixture({ rules: { orderArrivalWaitMs: 10_000 } });
      const { firstLook } = watchLooks();
      const orderId = newId();
      const paying = codeOf(f.handlers.createPayment.execute({ userId, orderId }));
      await waiting(firstLook, paying);
      await f.awaitingOrder(newId(), { orderId });
      expect(await paying).toBe('ORDER_NOT_FOUND');
      expect(f.payments.ofOrder(orderId)).toEqual([]);
    });

    it('an order cancelled while the request waits: NOT_PAYABLE as soon as it is heard of', async () => {
      f = paymentApplicationFixture({ rules: { orderArrivalWaitMs: 10_000 } });
      const { firstLook } = watchLooks();
      const orderId = newId();
      const paying = codeOf(f.handlers.createPayment.execute({ userId, orderId }));
      await waiting(firstLook, paying);
      await f.handlers.closePaymentForOrder.execute({ orderId, userId, closedAs: 'CANCELLED' });
      expect(await paying).toBe('NOT_PAYABLE');
    });

    it("another user's order already known: ORDER_NOT_FOUND at once, no wait", async () => {
      f = paymentApplicationFixture({ rules: { orderArrivalWaitMs: 10_000 } });
      const orderId = await f.awaitingOrder(newId());
      const { looks } = watchLooks();
      expect(await codeOf(f.handlers.createPayment.execute({ userId, orderId }))).toBe('ORDER_NOT_FOUND');
      expect(looks).toEqual([]);
    });

    it('orderArrivalWaitMs 0 (PAYMENT_ORDER_ARRIVAL_WAIT=0): ORDER_NOT_FOUND at once, no wait', async () => {
      f = paymentApplicationFixture({ rules: { orderArrivalWaitMs: 0 } });
      const { looks } = watchLooks();
      expect(await codeOf(f.handlers.createPayment.execute({ userId, orderId: newId() }))).toBe('ORDER_NOT_FOUND');
      expect(looks).toEqual([]);
    });
  });

  it('lets a new attempt start after a FAILED one, and that one may succeed', async () => {
    const { orderId, paymentId } = await f.pendingPayment(userId);
    await f.callback(paymentId, { type: 'payment.failed', failureReason: 'card declined' });
    const second = await f.handlers.createPayment.execute({ userId, orderId });
    expect(second.paymentId).not.toBe(paymentId);
    await f.callback(second.paymentId);
    expect(f.payments.ofOrder(orderId).map((p) => p.status)).toEqual(['FAILED', 'SUCCEEDED']);
  });

  describe('a provider that fails, refuses or does not answer in time: the attempt is FAILED (PROVIDER_ERROR) and answered, never an error', () => {
    /** The attempt answered, stored and announced as FAILED (PROVIDER_ERROR) with a detail containing `detail`. */
    const answeredFailed = async (orderId: string, view: unknown, detail: RegExp | string) => {
      const [failed] = f.payments.ofOrder(orderId);
      expect(failed).toMatchObject({ status: 'FAILED', failureReason: 'PROVIDER_ERROR', settledAt: FIXTURE_NOW, providerPaymentId: null });
      expect(failed!.failureDetail).toMatch(detail);
      expect(view).toEqual({
        paymentId: failed!.paymentId,
        orderId,
        amount: failed!.amount,
        currency: 'CNY',
        status: 'FAILED',
        provider: 'sandbox',
        createdAt: FIXTURE_NOW.toISOString(),
        settledAt: FIXTURE_NOW.toISOString(),
        failureReason: 'PROVIDER_ERROR',
        refund: null,
      });
      expect(() => assertPaymentView(view)).not.toThrow();
      expect(f.outbox.events).toEqual([
        {
          type: 'payment.failed.v1',
          aggregateId: failed!.paymentId,
          payload: { paymentId: failed!.paymentId, orderId, userId, amount: failed!.amount, reason: 'PROVIDER_ERROR', failedAt: FIXTURE_NOW.toISOString() },
        },
      ]);
      expect(() => schemas.validatePayload(PaymentFailedV1.type, f.outbox.events[0]!.payload)).not.toThrow();
    };

    it('the provider throws (unreachable, or refusing): FAILED answered; a new attempt starts at once', async () => {
      const orderId = await f.awaitingOrder(userId, { payable: 9_900 });
      f.provider.failNext('createPayment', new Error('connect ECONNREFUSED'));

      const view = await f.handlers.createPayment.execute({ userId, orderId });

      await answeredFailed(orderId, view, 'ECONNREFUSED');
      const retry = await f.handlers.createPayment.execute({ userId, orderId });
      expect(retry.status).toBe('PENDING');
    });

    it('the provider answers without a providerPaymentId', async () => {
      const orderId = await f.awaitingOrder(userId);
      f.provider.createPayment = async () => ({ providerPaymentId: '' });
      await answeredFailed(orderId, await f.handlers.createPayment.execute({ userId, orderId }), 'without a providerPaymentId');
    });

    it('the provider does not answer within providerTimeoutMs: its call is aborted through the signal it was given', async () => {
      f = paymentApplicationFixture({ rules: { providerTimeoutMs: 20 } });
      const orderId = await f.awaitingOrder(userId);
      f.provider.hangNext('createPayment');
      await answeredFailed(orderId, await f.handlers.createPayment.execute({ userId, orderId }), /did not answer within 20 ms/);
      const [call] = f.provider.calls;
      expect(call!.signal?.aborted).toBe(true);
    });

    it('the provider does not answer and ignores the signal: nobody waits for it past providerTimeoutMs either', async () => {
      f = paymentApplicationFixture({ rules: { providerTimeoutMs: 20 } });
      const orderId = await f.awaitingOrder(userId);
      f.provider.hangNext('createPayment', { ignoringSignal: true });
      await answeredFailed(orderId, await f.handlers.createPayment.execute({ userId, orderId }), /did not answer within 20 ms/);
    });

    it('every call carries a signal that is not aborted while the provider answers in time', async () => {
      const { paymentId } = await f.pendingPayment(userId);
      expect(f.provider.calls).toEqual([{ operation: 'createPayment', paymentId, inTransaction: false, signal: expect.any(AbortSignal) }]);
      expect(f.provider.calls[0]!.signal!.aborted).toBe(false);
    });
  });

  it('still applies a success called back for a payment the provider created although its answer was lost (FAILED → SUCCEEDED)', async () => {
    const orderId = await f.awaitingOrder(userId);
    f.provider.createsThenFails = true;
    expect(await f.handlers.createPayment.execute({ userId, orderId })).toMatchObject({ status: 'FAILED', failureReason: 'PROVIDER_ERROR' });
    const [payment] = f.payments.ofOrder(orderId);

    const result = await f.callback(payment!.paymentId, { providerPaymentId: 'sbx_1' });

    expect(result).toEqual({ outcome: 'succeeded', paymentId: payment!.paymentId, afterFailure: true });
    expect(f.eventTypes()).toEqual(['payment.failed.v1', 'payment.succeeded.v1']);
    expect(f.payments.rowOf(payment!.paymentId)).toMatchObject({ status: 'SUCCEEDED', failureReason: null, providerPaymentId: 'sbx_1' });
  });

  it('answers how the payment went when a callback settled it before the provider failure was recorded', async () => {
    const orderId = await f.awaitingOrder(userId);
    const create = f.provider.createPayment.bind(f.provider);
    f.provider.createPayment = async (request, options) => {
      await create(request, options);
      await f.callback(request.paymentId, { providerPaymentId: 'sbx_1' });
      throw new Error('the answer was lost');
    };
    const view = await f.handlers.createPayment.execute({ userId, orderId });
    expect(view.status).toBe('SUCCEEDED');
    expect(f.eventTypes()).toEqual(['payment.succeeded.v1']);
  });

  it('leaves the payment PENDING (for reconciliation) and fails when even the failure cannot be recorded', async () => {
    const orderId = await f.awaitingOrder(userId);
    f.provider.failNext('createPayment');
    f.outbox.failNext = new Error('database gone');
    await expect(f.handlers.createPayment.execute({ userId, orderId })).rejects.toThrow('database gone');
    expect(f.payments.ofOrder(orderId).map((p) => p.status)).toEqual(['PENDING']);
  });

  it('starts one payment of two started at once for the same order; the other is PAYMENT_IN_PROGRESS', async () => {
    const orderId = await f.awaitingOrder(userId);
    const results = await Promise.all([0, 1].map(() => codeOf(f.handlers.createPayment.execute({ userId, orderId }))));
    expect(results.sort()).toEqual(['PAYMENT_IN_PROGRESS', 'no error']);
    expect(f.payments.ofOrder(orderId)).toHaveLength(1);
    expect(f.provider.calls.filter((call) => call.operation === 'createPayment')).toHaveLength(1);
  });

  it('refuses to run inside a transaction of someone else (the payment must commit before the provider is called), starting nothing', async () => {
    const orderId = await f.awaitingOrder(userId);
    await expect(f.unitOfWork.run(() => f.handlers.createPayment.execute({ userId, orderId }))).rejects.toThrow(/outside any transaction/);
    expect(f.payments.ofOrder(orderId)).toEqual([]);
    expect(f.provider.calls).toEqual([]);
  });
});
