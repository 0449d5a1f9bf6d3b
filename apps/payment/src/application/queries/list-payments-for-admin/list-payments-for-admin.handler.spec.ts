import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { codeOf } from '@shop/testing';
import { assertAdminPaymentView } from '../../testing/contract-shapes.js';
import { paymentApplicationFixture, type PaymentApplicationFixture } from '../../testing/payment-application.fixture.js';

describe('ListPaymentsForAdminHandler', () => {
  let f: PaymentApplicationFixture;
  const userId = newId();
  let ids: string[];
  beforeEach(async () => {
    f = paymentApplicationFixture();
    ids = [];
    // Five payments a second apart, two in the same millisecond: the second key orders those.
    for (let i = 0; i < 5; i++) {
      if (i !== 3) f.clock.advance(1_000);
      ids.push((await f.pendingPayment(userId)).paymentId);
    }
    await f.callback(ids[1]!, { type: 'payment.failed' });
  });
  afterEach(() => f.unitOfWork.dispose());

  const newestFirst = () =>
    f.payments
      .snapshots()
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.paymentId.localeCompare(a.paymentId))
      .map((p) => p.paymentId);

  it('pages every payment newest first, each page picking up where the last ended', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page++) {
      const result = await f.handlers.listPaymentsForAdmin.execute({ cursor, limit: 2 });
      for (const item of result.items) expect(() => assertAdminPaymentView(item)).not.toThrow();
      seen.push(...result.items.map((item) => item.paymentId));
      cursor = result.nextCursor;
      if (cursor === null) break;
    }
    expect(seen).toEqual(newestFirst());
    expect(cursor).toBeNull();
  });

  it('keeps to one status when asked, with whose payment it is', async () => {
    const page = await f.handlers.listPaymentsForAdmin.execute({ status: 'FAILED', cursor: null });
    expect(page.items.map((item) => [item.paymentId, item.userId, item.status])).toEqual([[ids[1], userId, 'FAILED']]);
    expect(page.nextCursor).toBeNull();
  });

  it('answers 50 by default and the last page with no cursor', async () => {
    const page = await f.handlers.listPaymentsForAdmin.execute({ cursor: null });
    expect(page.items).toHaveLength(5);
    expect(page.nextCursor).toBeNull();
  });

  it.each([
    ['a cursor it never handed out', { cursor: 'bm90LWEtY3Vyc29y' }, 'INVALID_CURSOR'],
    ['a cursor with padding', { cursor: 'MTIzLjQ=' }, 'INVALID_CURSOR'],
    ['an empty cursor', { cursor: '' }, 'INVALID_CURSOR'],
    ['a limit of 0', { cursor: null, limit: 0 }, 'INVALID_VALUE'],
    ['a limit of 201', { cursor: null, limit: 201 }, 'INVALID_VALUE'],
    ['an unknown status', { cursor: null, status: 'LOST' as never }, 'INVALID_VALUE'],
  ])('refuses %s', async (_, query, code) => {
    expect(await codeOf(f.handlers.listPaymentsForAdmin.execute(query))).toBe(code);
  });
});
