import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { codeOf } from '@shop/testing';
import { paymentApplicationFixture, type PaymentApplicationFixture } from '../../testing/payment-application.fixture.js';

describe('RetryDueRefundsHandler', () => {
  let f: PaymentApplicationFixture;
  const userId = newId();
  beforeEach(() => {
    f = paymentApplicationFixture();
  });
  afterEach(async () => {
    expect(f.provider.callsInTransaction).toBe(0);
    await f.unitOfWork.dispose();
  });

  /** A paid payment whose refund the provider refused on the first try. */
  const refusedRefund = async (): Promise<string> => {
    const paid = await f.succeededPayment(userId);
    f.provider.charges.get(paid.paymentId)!.refunds = 'refuse';
    await f.handlers.requestRefund.execute({ orderId: paid.orderId, paymentId: paid.paymentId, amount: paid.amount, reason: 'CUSTOMER_REQUEST' });
    return paid.paymentId;
  };

  it('tries only the refunds due, and each once', async () => {
    const [a, b] = [await refusedRefund(), await refusedRefund()];
    expect(await f.handlers.retryDueRefunds.execute({ limit: 10 })).toEqual({ tried: 0, refunded: 0, refused: 0, errors: [] });
    f.clock.advance(5_000);
    f.provider.charges.get(a)!.refunds = 'accept';
    expect(await f.handlers.retryDueRefunds.execute({ limit: 10 })).toEqual({ tried: 2, refunded: 1, refused: 1, errors: [] });
    expect(f.payments.rowOf(a)!.status).toBe('REFUNDED');
    expect(f.payments.rowOf(b)).toMatchObject({ status: 'REFUNDING', refund: { attempts: 2 } });
  });

  it('goes on past one that fails, counting it', async () => {
    const [a, b] = [await refusedRefund(), await refusedRefund()];
    f.clock.advance(5_000);
    for (const id of [a, b]) f.provider.charges.get(id)!.refunds = 'accept';
    f.outbox.failNext = new Error('database gone');
    const result = await f.handlers.retryDueRefunds.execute({ limit: 10 });
    expect(result).toMatchObject({ tried: 2, refunded: 1, refused: 0, errors: [{ paymentId: expect.any(String), error: expect.any(Error) }] });
  });

  it('tries at most `limit`, and refuses a limit off 1–1,000', async () => {
    await refusedRefund();
    await refusedRefund();
    f.clock.advance(5_000);
    expect((await f.handlers.retryDueRefunds.execute({ limit: 1 })).tried).toBe(1);
    for (const limit of [0, 1_001, 1.5]) expect(await codeOf(f.handlers.retryDueRefunds.execute({ limit }))).toBe('INVALID_VALUE');
  });

  it('starts no further refund once its signal aborts (the run’s deadline): the one being tried finishes, the rest stay due', async () => {
    const [a, b] = [await refusedRefund(), await refusedRefund()];
    f.clock.advance(5_000);
    for (const id of [a, b]) f.provider.charges.get(id)!.refunds = 'accept';
    const deadline = new AbortController();
    const refund = f.provider.refundPayment.bind(f.provider);
    f.provider.refundPayment = async (request, options) => {
      deadline.abort();
      return refund(request, options);
    };
    expect(await f.handlers.retryDueRefunds.execute({ limit: 10, signal: deadline.signal })).toEqual({ tried: 1, refunded: 1, refused: 0, errors: [] });
    expect([a, b].map((id) => f.payments.rowOf(id)!.status).sort()).toEqual(['REFUNDED', 'REFUNDING']);
  });

  it('tries a refund an admin made due now', async () => {
    const a = await refusedRefund();
    await f.handlers.retryRefundNow.execute({ paymentId: a });
    expect((await f.handlers.retryDueRefunds.execute({ limit: 10 })).tried).toBe(1);
  });
});
