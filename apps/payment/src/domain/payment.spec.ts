import { describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { MAX_ERROR_TEXT, Payment, refundBackoffMs, type PaymentSnapshot } from './payment.js';
import { PAYMENT_STATUSES, PAYMENT_TRANSITIONS, type PaymentStatus } from './payment-status.js';
import { at, MOTHER_AMOUNT, MOTHER_EPOCH, PaymentMother } from './testing/payment.mother.js';

const later = at(10);
const A = MOTHER_AMOUNT;

type Operation = (payment: Payment) => unknown;
/** Every operation a payment offers, as the provider's reports, the order and an admin would call it. */
const operations: Record<string, Operation> = {
  succeed: (p) => p.succeed({ providerPaymentId: 'sbx_9', amount: A, currency: 'CNY', at: later }),
  succeedOtherAmount: (p) => p.succeed({ providerPaymentId: 'sbx_9', amount: A - 1, currency: 'CNY', at: later }),
  succeedOtherCurrency: (p) => p.succeed({ providerPaymentId: 'sbx_9', amount: A, currency: 'USD', at: later }),
  fail: (p) => p.fail({ reason: 'DECLINED', detail: 'insufficient funds', at: later }),
  requestRefund: (p) => p.requestRefund({ reason: 'CUSTOMER_REQUEST', amount: A, refundId: newId(), at: later }),
  requestPartialRefund: (p) => p.requestRefund({ reason: 'CUSTOMER_REQUEST', amount: A - 100, refundId: newId(), at: later }),
  refundSucceeded: (p) => p.refundSucceeded(later),
  refundRefused: (p) => p.refundRefused({ error: 'provider says no', at: later, retryAt: at(11) }),
  retryRefundNow: (p) => p.retryRefundNow(later),
};

type Expected = { outcome: unknown; status: PaymentStatus; events: string[] } | { code: string };
const same = (status: PaymentStatus, outcome: unknown): Expected => ({ outcome, status, events: [] });
const code = (c: string): Expected => ({ code: c });

/** What each operation does in each status: the whole state machine, allowed and refused moves alike. */
const TABLE: Record<string, Record<PaymentStatus, Expected>> = {
  succeed: {
    PENDING: { outcome: 'succeeded', status: 'SUCCEEDED', events: ['PaymentSucceeded'] },
    FAILED: { outcome: 'succeeded-after-failure', status: 'SUCCEEDED', events: ['PaymentSucceeded'] },
    SUCCEEDED: same('SUCCEEDED', 'duplicate'),
    REFUNDING: same('REFUNDING', 'duplicate'),
    REFUNDED: same('REFUNDED', 'duplicate'),
  },
  succeedOtherAmount: Object.fromEntries(PAYMENT_STATUSES.map((s) => [s, code('AMOUNT_MISMATCH')])) as Record<PaymentStatus, Expected>,
  succeedOtherCurrency: Object.fromEntries(PAYMENT_STATUSES.map((s) => [s, code('CURRENCY_MISMATCH')])) as Record<PaymentStatus, Expected>,
  fail: {
    PENDING: { outcome: 'failed', status: 'FAILED', events: ['PaymentFailed'] },
    FAILED: same('FAILED', 'ignored'),
    SUCCEEDED: same('SUCCEEDED', 'ignored'),
    REFUNDING: same('REFUNDING', 'ignored'),
    REFUNDED: same('REFUNDED', 'ignored'),
  },
  requestRefund: {
    PENDING: code('NOT_REFUNDABLE'),
    FAILED: code('NOT_REFUNDABLE'),
    SUCCEEDED: { outcome: 'requested', status: 'REFUNDING', events: [] },
    REFUNDING: same('REFUNDING', 'duplicate'),
    REFUNDED: same('REFUNDED', 'duplicate'),
  },
  requestPartialRefund: Object.fromEntries(PAYMENT_STATUSES.map((s) => [s, code('REFUND_AMOUNT_MISMATCH')])) as Record<PaymentStatus, Expected>,
  refundSucceeded: {
    PENDING: code('NO_REFUND_PENDING'),
    FAILED: code('NO_REFUND_PENDING'),
    SUCCEEDED: code('NO_REFUND_PENDING'),
    REFUNDING: { outcome: 'refunded', status: 'REFUNDED', events: ['PaymentRefunded'] },
    REFUNDED: same('REFUNDED', 'duplicate'),
  },
  refundRefused: {
    PENDING: same('PENDING', 'ignored'),
    FAILED: same('FAILED', 'ignored'),
    SUCCEEDED: same('SUCCEEDED', 'ignored'),
    REFUNDING: same('REFUNDING', 'recorded'),
    REFUNDED: same('REFUNDED', 'ignored'),
  },
  retryRefundNow: {
    PENDING: code('NO_REFUND_PENDING'),
    FAILED: code('NO_REFUND_PENDING'),
    SUCCEEDED: code('NO_REFUND_PENDING'),
    REFUNDING: same('REFUNDING', undefined),
    REFUNDED: code('NO_REFUND_PENDING'),
  },
};

const cases = Object.keys(operations).flatMap((name) => PAYMENT_STATUSES.map((status) => [name, status] as const));

describe('Payment: the state machine', () => {
  it('covers every operation in every status', () => {
    expect(Object.keys(TABLE).sort()).toEqual(Object.keys(operations).sort());
  });

  it.each(cases)('%s on a %s payment', (name, status) => {
    const payment = PaymentMother.inStatus(status);
    const before: PaymentSnapshot = payment.toSnapshot();
    const expected = TABLE[name]![status];
    if ('code' in expected) {
      expect(() => operations[name]!(payment)).toThrow(expect.objectContaining({ code: expected.code }));
      expect(payment.toSnapshot(), 'a refusal changes nothing').toEqual(before);
      expect(payment.pullDomainEvents()).toEqual([]);
      return;
    }
    expect(operations[name]!(payment)).toBe(expected.outcome);
    expect(payment.status).toBe(expected.status);
    expect(payment.pullDomainEvents().map((e) => e.type)).toEqual(expected.events);
    if (expected.status !== status) expect(PAYMENT_TRANSITIONS[status]).toContain(expected.status);
    if (expected.outcome === 'duplicate' || expected.outcome === 'ignored') expect(payment.toSnapshot(), 'a repeat changes nothing').toEqual(before);
  });

  it('moves only along the transition table, and every edge of it is reachable', () => {
    const reached = new Set<string>();
    for (const [name, status] of cases) {
      const expected = TABLE[name]![status];
      if (!('code' in expected) && expected.status !== status) reached.add(`${status}->${expected.status}`);
    }
    const edges = PAYMENT_STATUSES.flatMap((from) => PAYMENT_TRANSITIONS[from].map((to) => `${from}->${to}`));
    expect([...reached].sort()).toEqual(edges.sort());
  });
});

describe('Payment.start', () => {
  it('is PENDING in CNY with nothing settled, nothing announced, version 0', () => {
    const orderId = newId();
    const payment = PaymentMother.pending({ orderId: orderId.toUpperCase() });
    expect(payment.toSnapshot()).toMatchObject({
      orderId,
      amount: A,
      currency: 'CNY',
      status: 'PENDING',
      provider: 'sandbox',
      providerPaymentId: null,
      failureReason: null,
      failureDetail: null,
      createdAt: MOTHER_EPOCH,
      settledAt: null,
      refund: null,
      version: 0,
    });
    expect(payment.pullDomainEvents()).toEqual([]);
  });

  it.each([
    ['0 fen (nothing to pay is settled free)', { amount: 0 }],
    ['a negative amount', { amount: -1 }],
    ['a fractional amount', { amount: 1.5 }],
    ['more than a trillion fen', { amount: 1_000_000_000_001 }],
    ['NaN', { amount: Number.NaN }],
    ['a payment id that is no UUID', { id: 'pay-1' }],
    ['an order id that is no UUID', { orderId: 'o' }],
    ['a user id that is no UUID', { userId: '' }],
    ['no provider', { provider: ' ' }],
  ])('refuses %s', (_, overrides) => {
    expect(() => PaymentMother.pending(overrides)).toThrow(expect.objectContaining({ code: 'INVALID_VALUE' }));
  });

  it('takes a trillion fen exactly', () => {
    expect(PaymentMother.pending({ amount: 1_000_000_000_000 }).amount).toBe(1_000_000_000_000);
  });
});

describe('Payment.settledFree', () => {
  it('is a payment of 0 through no provider, SUCCEEDED at once and announced', () => {
    const ids = { id: newId(), orderId: newId(), userId: newId() };
    const payment = Payment.settledFree({ ...ids, at: later });
    expect(payment.toSnapshot()).toMatchObject({ amount: 0, provider: 'none', status: 'SUCCEEDED', settledAt: later, createdAt: later });
    expect(payment.pullDomainEvents()).toEqual([
      { type: 'PaymentSucceeded', aggregateId: ids.id, occurredAt: later, orderId: ids.orderId, userId: ids.userId, amount: 0 },
    ]);
  });

  it('can be refunded whole (0 fen), never with money', () => {
    const payment = Payment.settledFree({ id: newId(), orderId: newId(), userId: newId(), at: later });
    expect(() => payment.requestRefund({ reason: 'CUSTOMER_REQUEST', amount: 1, refundId: newId(), at: later })).toThrow(
      expect.objectContaining({ code: 'REFUND_AMOUNT_MISMATCH' }),
    );
    expect(payment.requestRefund({ reason: 'CUSTOMER_REQUEST', amount: 0, refundId: newId(), at: later })).toBe('requested');
  });
});

describe('Payment: the provider reports', () => {
  it('a success records the provider id, the settlement and the event with the payment ids', () => {
    const payment = PaymentMother.pending();
    payment.succeed({ providerPaymentId: 'sbx_42', amount: A, currency: 'CNY', at: later });
    expect(payment.toSnapshot()).toMatchObject({ status: 'SUCCEEDED', providerPaymentId: 'sbx_42', settledAt: later });
    expect(payment.pullDomainEvents()).toEqual([
      { type: 'PaymentSucceeded', aggregateId: payment.id, occurredAt: later, orderId: payment.orderId, userId: payment.userId, amount: A },
    ]);
  });

  it('keeps the provider id createPayment answered over a later report, and records it once', () => {
    const payment = PaymentMother.pending();
    expect(payment.recordProviderPayment('sbx_first')).toBe('recorded');
    expect(payment.recordProviderPayment('sbx_other')).toBe('unchanged');
    payment.succeed({ providerPaymentId: 'sbx_callback', amount: A, currency: 'CNY', at: later });
    expect(payment.providerPaymentId).toBe('sbx_first');
    expect(() => PaymentMother.pending().recordProviderPayment('')).toThrow(expect.objectContaining({ code: 'INVALID_VALUE' }));
  });

  it('a success after a failure clears the failure: the money moved', () => {
    const payment = PaymentMother.inStatus('FAILED');
    expect(payment.failureReason).toBe('DECLINED');
    expect(payment.succeed({ providerPaymentId: 'sbx_1', amount: A, currency: 'CNY', at: later })).toBe('succeeded-after-failure');
    expect(payment.toSnapshot()).toMatchObject({ status: 'SUCCEEDED', failureReason: null, failureDetail: null, settledAt: later });
  });

  it('a failure records its reason, the provider detail (cut to a bounded length) and the event', () => {
    const payment = PaymentMother.pending();
    payment.fail({ reason: 'PROVIDER_ERROR', detail: 'x'.repeat(5_000), at: later });
    expect(payment.failureReason).toBe('PROVIDER_ERROR');
    expect(payment.failureDetail).toHaveLength(MAX_ERROR_TEXT);
    expect(payment.settledAt).toEqual(later);
    expect(payment.pullDomainEvents()).toEqual([
      {
        type: 'PaymentFailed',
        aggregateId: payment.id,
        occurredAt: later,
        orderId: payment.orderId,
        userId: payment.userId,
        amount: A,
        reason: 'PROVIDER_ERROR',
      },
    ]);
    const blank = PaymentMother.pending();
    blank.fail({ reason: 'EXPIRED', detail: '   ', at: later });
    expect(blank.failureDetail).toBeNull();
  });

  it('a failure of an unknown reason is refused', () => {
    expect(() => PaymentMother.pending().fail({ reason: 'LOST' as never, detail: null, at: later })).toThrow(
      expect.objectContaining({ code: 'INVALID_VALUE' }),
    );
  });

  it('a mismatch names what was expected and what came', () => {
    expect(() => PaymentMother.pending().succeed({ providerPaymentId: 'x', amount: 1, currency: 'CNY', at: later })).toThrow(
      expect.objectContaining({ code: 'AMOUNT_MISMATCH', details: expect.objectContaining({ expected: A, received: 1 }) }),
    );
    // Amount first: a report wrong in both is an amount mismatch.
    expect(() => PaymentMother.pending().succeed({ providerPaymentId: 'x', amount: 1, currency: 'usd', at: later })).toThrow(
      expect.objectContaining({ code: 'AMOUNT_MISMATCH' }),
    );
    expect(() => PaymentMother.pending().succeed({ providerPaymentId: 'x', amount: A, currency: 'cny', at: later })).toThrow(
      expect.objectContaining({ code: 'CURRENCY_MISMATCH' }),
    );
  });
});

describe('Payment: refunds', () => {
  it('a requested refund is REFUNDING, due at once, with its refund id kept', () => {
    const payment = PaymentMother.inStatus('SUCCEEDED');
    const refundId = newId();
    payment.requestRefund({ reason: 'LATE_PAYMENT', amount: A, refundId, at: later });
    expect(payment.refund).toEqual({
      refundId,
      reason: 'LATE_PAYMENT',
      requestedAt: later,
      attempts: 0,
      lastError: null,
      nextAttemptAt: later,
      refundedAt: null,
    });
    expect(payment.refundDue(later)).toBe(true);
    expect(payment.refundDue(at(9))).toBe(false);
    // Asked again: the first refund id stays (the provider refunds idempotently on it).
    payment.requestRefund({ reason: 'LATE_PAYMENT', amount: A, refundId: newId(), at: at(11) });
    expect(payment.refund!.refundId).toBe(refundId);
  });

  it('refuses a refund without a reason or with a refund id that is no UUID', () => {
    expect(() => PaymentMother.inStatus('SUCCEEDED').requestRefund({ reason: '', amount: A, refundId: newId(), at: later })).toThrow(
      expect.objectContaining({ code: 'INVALID_VALUE' }),
    );
    expect(() => PaymentMother.inStatus('SUCCEEDED').requestRefund({ reason: 'X', amount: A, refundId: 'r-1', at: later })).toThrow(
      expect.objectContaining({ code: 'INVALID_VALUE' }),
    );
  });

  it('a refused try is counted, its error kept (bounded), the next try put off; an admin makes it due now', () => {
    const payment = PaymentMother.inStatus('REFUNDING');
    payment.refundRefused({ error: 'card closed', at: later, retryAt: at(11) });
    payment.refundRefused({ error: 'y'.repeat(2_000), at: at(11), retryAt: at(12) });
    expect(payment.refund).toMatchObject({ attempts: 2, nextAttemptAt: at(12), refundedAt: null });
    expect(payment.refund!.lastError).toHaveLength(MAX_ERROR_TEXT);
    expect(payment.refundDue(at(11))).toBe(false);
    payment.retryRefundNow(at(11));
    expect(payment.refundDue(at(11))).toBe(true);
    payment.refundRefused({ error: '', at: at(11), retryAt: at(13) });
    expect(payment.refund!.lastError).toBe('unknown error');
  });

  it('a refund given back is REFUNDED, no longer due, and announced with the payment ids', () => {
    const payment = PaymentMother.inStatus('REFUNDING');
    payment.refundSucceeded(later);
    expect(payment.refund).toMatchObject({ refundedAt: later, nextAttemptAt: null });
    expect(payment.refundDue(at(100))).toBe(false);
    expect(payment.pullDomainEvents()).toEqual([
      { type: 'PaymentRefunded', aggregateId: payment.id, occurredAt: later, orderId: payment.orderId, userId: payment.userId, amount: A },
    ]);
  });

  it.each([
    [1, 5_000],
    [2, 10_000],
    [3, 20_000],
    [7, 320_000],
    [8, 600_000],
    [2_000, 600_000],
    [0, 5_000],
    [-3, 5_000],
    [Number.NaN, 5_000],
  ])('waits %s failed tries → %s ms before the next (5 s doubling, capped at 10 min)', (attempts, ms) => {
    expect(refundBackoffMs(attempts, 600_000)).toBe(ms);
  });

  it('a cap below 5 s caps the first wait too; a cap that is no duration is refused', () => {
    expect(refundBackoffMs(1, 1_000)).toBe(1_000);
    expect(() => refundBackoffMs(1, 0)).toThrow(expect.objectContaining({ code: 'INVALID_VALUE' }));
  });
});

describe('Payment.restore', () => {
  it('gives back exactly the snapshot it was made of, with no events', () => {
    const snapshot = { ...PaymentMother.inStatus('REFUNDING').toSnapshot(), version: 7 };
    const restored = Payment.restore(snapshot);
    expect(restored.toSnapshot()).toEqual(snapshot);
    expect(restored.version).toBe(7);
    expect(restored.pullDomainEvents()).toEqual([]);
    expect(restored.captured).toBe(true);
    expect(PaymentMother.inStatus('FAILED').captured).toBe(false);
  });
});
