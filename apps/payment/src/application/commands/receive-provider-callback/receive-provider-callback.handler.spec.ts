import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventSchemaRegistry, PaymentFailedV1, PaymentSucceededV1 } from '@shop/contracts';
import { newId } from '@shop/shared-kernel';
import { codeOf } from '@shop/testing';
import { FIXTURE_NOW, MINUTE, paymentApplicationFixture, type PaymentApplicationFixture } from '../../testing/payment-application.fixture.js';

const schemas = new EventSchemaRegistry([PaymentSucceededV1, PaymentFailedV1]);

describe('ReceiveProviderCallbackHandler', () => {
  let f: PaymentApplicationFixture;
  const userId = newId();
  let orderId: string;
  let paymentId: string;
  beforeEach(async () => {
    f = paymentApplicationFixture();
    ({ orderId, paymentId } = await f.pendingPayment(userId, { payable: 12_000 }));
  });
  afterEach(() => f.unitOfWork.dispose());

  /** Nothing changed: the payment as it was, no event. */
  const unchanged = (status = 'PENDING') => {
    expect(f.payments.rowOf(paymentId)!.status).toBe(status);
    expect(f.outbox.events).toEqual([]);
  };

  it('applies a signed success: SUCCEEDED, payment.succeeded.v1 valid against its schema', async () => {
    expect(await f.callback(paymentId)).toEqual({ outcome: 'succeeded', paymentId, afterFailure: false });
    expect(f.payments.rowOf(paymentId)).toMatchObject({ status: 'SUCCEEDED', settledAt: FIXTURE_NOW });
    expect(f.outbox.events).toEqual([
      {
        type: 'payment.succeeded.v1',
        aggregateId: paymentId,
        payload: { paymentId, orderId, userId, amount: 12_000, succeededAt: FIXTURE_NOW.toISOString() },
      },
    ]);
    expect(() => schemas.validatePayload(PaymentSucceededV1.type, f.outbox.events[0]!.payload)).not.toThrow();
  });

  it('applies a signed failure: FAILED (DECLINED) with the provider detail, payment.failed.v1', async () => {
    expect(await f.callback(paymentId, { type: 'payment.failed', failureReason: 'insufficient funds' })).toEqual({
      outcome: 'failed',
      paymentId,
      afterFailure: false,
    });
    expect(f.payments.rowOf(paymentId)).toMatchObject({ status: 'FAILED', failureReason: 'DECLINED', failureDetail: 'insufficient funds' });
    expect(f.eventTypes()).toEqual(['payment.failed.v1']);
    expect(() => schemas.validatePayload(PaymentFailedV1.type, f.outbox.events[0]!.payload)).not.toThrow();
  });

  it('absorbs a duplicate success, the same bytes replayed inside the window, and a failure after the success: 200, nothing changes', async () => {
    const delivery = f.signed(f.callbackBody(paymentId));
    await f.handlers.receiveProviderCallback.execute(delivery);
    f.clock.advance(4 * MINUTE);
    expect((await f.handlers.receiveProviderCallback.execute(delivery)).outcome).toBe('duplicate');
    expect((await f.callback(paymentId)).outcome).toBe('duplicate');
    expect((await f.callback(paymentId, { type: 'payment.failed' })).outcome).toBe('ignored');
    expect(f.eventTypes()).toEqual(['payment.succeeded.v1']);
    expect(f.payments.rowOf(paymentId)!.status).toBe('SUCCEEDED');
  });

  it('absorbs a repeated failure', async () => {
    await f.callback(paymentId, { type: 'payment.failed' });
    expect((await f.callback(paymentId, { type: 'payment.failed' })).outcome).toBe('ignored');
    expect(f.eventTypes()).toEqual(['payment.failed.v1']);
  });

  it('applies a success after a failure (the money moved) and says so', async () => {
    await f.callback(paymentId, { type: 'payment.failed' });
    expect(await f.callback(paymentId)).toEqual({ outcome: 'succeeded', paymentId, afterFailure: true });
    expect(f.eventTypes()).toEqual(['payment.failed.v1', 'payment.succeeded.v1']);
  });

  it('applies a success for an order cancelled meanwhile: the order context refunds it (LATE_PAYMENT)', async () => {
    await f.handlers.closePaymentForOrder.execute({ orderId, userId, closedAs: 'CANCELLED' });
    expect((await f.callback(paymentId)).outcome).toBe('succeeded');
    expect(f.eventTypes()).toEqual(['payment.succeeded.v1']);
  });

  it('absorbs a success for a payment refunding or refunded', async () => {
    f.provider.settle(paymentId, 'SUCCEEDED');
    await f.callback(paymentId);
    await f.handlers.requestRefund.execute({ orderId, paymentId, amount: 12_000, reason: 'CUSTOMER_REQUEST' });
    expect(f.payments.rowOf(paymentId)!.status).toBe('REFUNDED');
    expect((await f.callback(paymentId)).outcome).toBe('duplicate');
    expect(f.eventTypes()).toEqual(['payment.succeeded.v1', 'payment.refunded.v1']);
  });

  describe('refuses a signature (INVALID_SIGNATURE, with its reason) before reading the body', () => {
    const refused = async (delivery: { rawBody: Buffer; signature: string | undefined }, reason: string) => {
      const error = await f.handlers.receiveProviderCallback.execute(delivery).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'INVALID_SIGNATURE', reason });
      unchanged();
    };

    it('missing', async () => {
      await refused({ ...f.signed(f.callbackBody(paymentId)), signature: undefined }, 'MISSING');
    });

    it('malformed', async () => {
      await refused({ ...f.signed(f.callbackBody(paymentId)), signature: 'sha256=abc' }, 'MALFORMED');
    });

    it('forged: signed with another secret', async () => {
      await refused(f.signed(f.callbackBody(paymentId), { secret: 'an-attacker-guess-an-attacker-guess' }), 'MISMATCH');
    });

    it('altered: another amount under the signature of the real body', async () => {
      const real = f.signed(f.callbackBody(paymentId));
      const altered = Buffer.from(real.rawBody.toString('utf8').replace('"amount":12000', '"amount":1'));
      await refused({ rawBody: altered, signature: real.signature }, 'MISMATCH');
    });

    it('stale: signed six minutes ago (a replay), or six minutes ahead', async () => {
      await refused(f.signed(f.callbackBody(paymentId), { signedAtMs: FIXTURE_NOW.getTime() - 6 * MINUTE }), 'STALE');
      await refused(f.signed(f.callbackBody(paymentId), { signedAtMs: FIXTURE_NOW.getTime() + 6 * MINUTE }), 'STALE');
    });

    it('a valid delivery replayed after the window', async () => {
      const delivery = f.signed(f.callbackBody(paymentId));
      f.clock.advance(5 * MINUTE + 1_000);
      await refused(delivery, 'STALE');
    });

    it('even when the body is not JSON: the signature is checked first', async () => {
      await refused({ rawBody: Buffer.from('not json'), signature: undefined }, 'MISSING');
    });
  });

  describe('refuses a signed body that is not a callback of the contract (INVALID_PAYMENT_CALLBACK)', () => {
    it.each([
      ['not JSON', '{"paymentId":'],
      ['JSON but no object', '[1,2]'],
      ['an empty body', ''],
    ])('%s', async (_, text) => {
      expect(await codeOf(f.handlers.receiveProviderCallback.execute(f.signed(text)))).toBe('INVALID_PAYMENT_CALLBACK');
      unchanged();
    });

    it.each<[string, Record<string, unknown>]>([
      ['an unknown type', { type: 'payment.refunded' }],
      ['a negative amount', { amount: -1 }],
      ['a fractional amount', { amount: 1.5 }],
      ['an amount as text', { amount: '12000' }],
      ['a payment id that is no UUID', { paymentId: 'pay-1' }],
      ['a lower-case currency', { currency: 'cny' }],
      ['an unknown field', { admin: true }],
      ['an instant that is none', { occurredAt: 'yesterday' }],
    ])('%s', async (_, change) => {
      const error = await f.handlers.receiveProviderCallback.execute(f.signed({ ...f.callbackBody(paymentId), ...change })).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'INVALID_PAYMENT_CALLBACK', problems: expect.any(Array) });
      unchanged();
    });

    it('a field missing', async () => {
      const { providerPaymentId: _dropped, ...body } = f.callbackBody(paymentId);
      expect(await codeOf(f.handlers.receiveProviderCallback.execute(f.signed(body)))).toBe('INVALID_PAYMENT_CALLBACK');
    });
  });

  it('answers PAYMENT_NOT_FOUND for an unknown payment, so the provider sends it again', async () => {
    const other = newId();
    expect(await codeOf(f.callback(other, { providerPaymentId: 'sbx_x', amount: 12_000 }))).toBe('PAYMENT_NOT_FOUND');
    unchanged();
  });

  it.each([
    ['another amount', { amount: 11_999 }, 'AMOUNT_MISMATCH'],
    ['an amount of 0', { amount: 0 }, 'AMOUNT_MISMATCH'],
    ['another currency', { currency: 'USD' }, 'CURRENCY_MISMATCH'],
  ])('refuses a success of %s (%s), nothing changed', async (_, change, code) => {
    expect(await codeOf(f.callback(paymentId, change))).toBe(code);
    unchanged();
    // The right report is still applied afterwards.
    expect((await f.callback(paymentId)).outcome).toBe('succeeded');
  });

  it.each([
    ['another amount', { amount: 11_999 }],
    ['an amount of 0 (a charge that never opened)', { amount: 0 }],
    ['another currency', { currency: 'USD' }],
  ])('applies a failure whatever amount or currency it names (%s): no money moved, its state alone decides', async (_, change) => {
    expect(await f.callback(paymentId, { ...change, type: 'payment.failed', failureReason: 'card declined' })).toEqual({
      outcome: 'failed',
      paymentId,
      afterFailure: false,
    });
    expect(f.payments.rowOf(paymentId)).toMatchObject({ status: 'FAILED', failureReason: 'DECLINED', failureDetail: 'card declined' });
    expect(f.eventTypes()).toEqual(['payment.failed.v1']);
  });

  it('ignores a failure of another amount after the success, state first (nothing changes, no mismatch refused)', async () => {
    await f.callback(paymentId);
    expect((await f.callback(paymentId, { type: 'payment.failed', amount: 1 })).outcome).toBe('ignored');
    expect(f.eventTypes()).toEqual(['payment.succeeded.v1']);
  });

  it('refuses a mismatch even on a payment settled already (nothing changes either way)', async () => {
    await f.callback(paymentId);
    expect(await codeOf(f.callback(paymentId, { amount: 1 }))).toBe('AMOUNT_MISMATCH');
    expect(f.eventTypes()).toEqual(['payment.succeeded.v1']);
  });

  it('finds the payment whatever the spelling of its id', async () => {
    expect((await f.callback(paymentId, { paymentId: paymentId.toUpperCase() })).paymentId).toBe(paymentId);
  });
});
