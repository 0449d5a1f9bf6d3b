import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EventSchemaRegistry,
  OrderAwaitingPaymentV1,
  OrderCancelledV1,
  OrderPaidV1,
  OrderPlacedV1,
  OrderRefundedV1,
  OrderRefundRequestedV1,
} from '@shop/contracts';
import type { OrderSnapshot } from '../domain/order.js';
import type { OrderRules } from './order.di-tokens.js';
import { COUPON_REJECTION_REASONS, ORDER_TRANSITIONS } from '../domain/order-status.js';
import { orderApplicationFixture, type OrderApplicationFixture } from './testing/order-application.fixture.js';

/**
 * Random orders (with or without a coupon, with any points up to the subtotal) and random sequences of
 * what may happen to them, through the handlers and the in-memory adapters: the participants' replies
 * (each possibly repeated, late, or naming another coupon), deadlines passing, customer cancels,
 * payments (of the payable, of another amount, repeated), refunds (whole, or partial: ignored), the admin's and customer's steps.
 * Checked after every step: each order moves along legal edges only and its history is append-only and
 * ends with its status; the saga decides once (one awaiting-payment or one cancellation, never a
 * cancellation before an awaiting-payment); no event is announced twice; every payable is subtotal −
 * discount − points ≥ 0; every event is valid against its schema. On a failure fast-check prints the
 * seed and path that replay it (`fc.assert(…, { seed, path })`).
 */

const SUBTOTAL = 21_500; // the fixture's placeOrder: 2 × 8 800 + 1 × 3 900
const KINDS = [
  'coupon-reply',
  'coupon-reply',
  'points-reply',
  'points-reply',
  'foreign-coupon-reply',
  'tick',
  'tick',
  'cancel',
  'pay',
  'pay',
  'pay',
  'pay-other-amount',
  'pay-again',
  'refund',
  'refund',
  'refund-other-amount',
  'request-refund',
  'accept',
  'ship',
  'deliver',
  'confirm',
] as const;
type Kind = (typeof KINDS)[number];

interface Plan {
  readonly coupon: { readonly reply: 'reserved' | 'rejected'; readonly discount: number; readonly reason: (typeof COUPON_REJECTION_REASONS)[number] } | null;
  readonly pointsToUse: number;
  readonly pointsReply: 'reserved' | 'rejected';
  /** After the random steps: whether the replies still come (else the reservations time out), and what the customer then does. */
  readonly repliesArrive: boolean;
  readonly fate: 'pay' | 'mispay-then-pay' | 'pay-then-refund' | 'complete-then-provider-refund' | 'abandon';
}
interface Step {
  readonly kind: Kind;
  readonly order: number;
  readonly pick: number;
  readonly advanceMs: number;
}

const plans: fc.Arbitrary<Plan[]> = fc.array(
  fc.record({
    coupon: fc.option(
      fc.record({
        reply: fc.oneof({ weight: 3, arbitrary: fc.constant('reserved' as const) }, { weight: 1, arbitrary: fc.constant('rejected' as const) }),
        discount: fc.integer({ min: 0, max: 6_000 }),
        reason: fc.constantFrom(...COUPON_REJECTION_REASONS),
      }),
      { nil: null },
    ),
    pointsToUse: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 18_000, max: SUBTOTAL })),
    pointsReply: fc.oneof({ weight: 3, arbitrary: fc.constant('reserved' as const) }, { weight: 1, arbitrary: fc.constant('rejected' as const) }),
    repliesArrive: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    fate: fc.constantFrom('pay' as const, 'mispay-then-pay' as const, 'pay-then-refund' as const, 'complete-then-provider-refund' as const, 'abandon' as const),
  }),
  { minLength: 1, maxLength: 3 },
);
const steps: fc.Arbitrary<Step[]> = fc.array(
  fc.record({
    kind: fc.constantFrom(...KINDS),
    order: fc.nat(),
    pick: fc.nat(),
    // Mostly seconds (replies have time to come in), now and then minutes (payment deadlines pass).
    advanceMs: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 8_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 20 * 60_000 }) }),
  }),
  { minLength: 1, maxLength: 80 },
);

const schemas = new EventSchemaRegistry([OrderPlacedV1, OrderAwaitingPaymentV1, OrderCancelledV1, OrderPaidV1, OrderRefundRequestedV1, OrderRefundedV1]);
/**
 * The refusals the rules give for a step that does not apply now (or comes too early), by step: the
 * step changes nothing. A reply or a deadline is never refused: whatever its timing, it is an outcome.
 */
const INVALID_STATE = ['INVALID_STATE'];
const EXPECTED_REFUSALS: Record<Kind, readonly string[]> = {
  'coupon-reply': [],
  'points-reply': [],
  'foreign-coupon-reply': [],
  tick: [],
  cancel: INVALID_STATE,
  pay: ['ORDER_NOT_AWAITING_PAYMENT_YET'],
  'pay-other-amount': ['ORDER_NOT_AWAITING_PAYMENT_YET'],
  'pay-again': ['ORDER_NOT_AWAITING_PAYMENT_YET'],
  // A refund of a payment not recorded yet waits for it; the captured payment's refund is taken from any paid status, COMPLETED too.
  refund: ['REFUND_BEFORE_PAYMENT'],
  'refund-other-amount': [],
  'request-refund': INVALID_STATE,
  accept: INVALID_STATE,
  ship: INVALID_STATE,
  deliver: INVALID_STATE,
  confirm: INVALID_STATE,
};
// Deterministic ids, so that a replayed seed replays the same run.
const idOf = (prefix: number, index: number) => `00000000-0000-4000-8${prefix}00-${String(index).padStart(12, '0')}`;
const USER = idOf(1, 0);

/** Two minutes for the replies: most come in time, the occasional long wait (a tick of minutes) times them out. */
const RULES: OrderRules = { reservationTimeoutMs: 120_000, paymentTimeoutMs: 15 * 60_000 };

/** What a run went through, so the suite can show its random runs reach the interesting paths. */
type Seen = Record<string, number>;

function checkOrder(f: OrderApplicationFixture, orderId: string, before: OrderSnapshot | undefined): OrderSnapshot {
  const order = f.orders.rowOf(orderId)!;
  const { history } = order;
  expect(history[0]?.status, 'history starts PENDING').toBe('PENDING');
  for (let i = 1; i < history.length; i++) expect(ORDER_TRANSITIONS[history[i - 1]!.status], `${orderId} history`).toContain(history[i]!.status);
  expect(history.at(-1)!.status, 'history ends with the status').toBe(order.status);
  if (before) expect(history.slice(0, before.history.length), 'history is append-only').toEqual(before.history);

  const pointsUsed = order.pointsStep === 'RESERVED' ? order.pointsToUse : 0;
  if (order.payable !== null) {
    expect(order.payable).toBe(order.subtotal - order.couponDiscount - pointsUsed);
    expect(order.payable).toBeGreaterThanOrEqual(0);
  }
  const awaited = history.some((h) => h.status === 'AWAITING_PAYMENT');
  expect(order.payable !== null, 'payable set once the order awaited payment').toBe(awaited);

  const events = f.outbox.events.filter((event) => event.aggregateId === orderId);
  const types = events.map((event) => event.type);
  const count = (type: string) => types.filter((t) => t === type).length;
  expect(count('order.placed.v1')).toBe(1);
  expect(count('order.awaiting-payment.v1')).toBeLessThanOrEqual(1);
  expect(count('order.cancelled.v1')).toBeLessThanOrEqual(1);
  expect(count('order.paid.v1')).toBeLessThanOrEqual(1);
  expect(count('order.refunded.v1')).toBeLessThanOrEqual(1);
  // The saga decides once: a cancellation never comes before an awaiting-payment; past PENDING, one decision was announced.
  const awaiting = types.indexOf('order.awaiting-payment.v1');
  const cancelled = types.indexOf('order.cancelled.v1');
  if (awaiting >= 0 && cancelled >= 0) expect(awaiting, 'awaiting-payment before any cancellation').toBeLessThan(cancelled);
  if (order.status !== 'PENDING') expect(awaiting >= 0 || cancelled >= 0, 'a decision was announced').toBe(true);
  if (count('order.paid.v1') > 0) expect(awaiting, 'paid only after awaiting payment').toBeGreaterThanOrEqual(0);
  expect(awaiting >= 0, 'awaiting-payment announced iff the order awaited payment').toBe(awaited);
  // No event twice: one refund request per payment, no two identical announcements.
  const refundRequests = events
    .filter((event) => event.type === 'order.refund-requested.v1')
    .map((event) => (event.payload as { paymentId: string }).paymentId);
  expect(new Set(refundRequests).size).toBe(refundRequests.length);
  const spelled = events.map((event) => JSON.stringify(event));
  expect(new Set(spelled).size).toBe(spelled.length);
  for (const event of events) expect(() => schemas.validatePayload(event.type, event.payload)).not.toThrow();
  return order;
}

async function run(f: OrderApplicationFixture, orderPlans: Plan[], script: Step[]): Promise<Seen> {
  const seen: Seen = {};
  const saw = (what: string) => (seen[what] = (seen[what] ?? 0) + 1);
  const { handlers } = f;
  const ids: string[] = [];
  const couponIds: Array<string | null> = [];
  const payments: Array<Array<{ paymentId: string; amount: number }>> = [];
  for (const [i, plan] of orderPlans.entries()) {
    const couponId = plan.coupon ? idOf(2, i) : null;
    ids.push(await f.placeOrder(USER, { couponId, pointsToUse: plan.pointsToUse }));
    couponIds.push(couponId);
    payments.push([]);
  }
  let snapshots = ids.map((id) => checkOrder(f, id, undefined));
  let paymentSeq = 0;

  const step = async ({ kind, order: o, pick, advanceMs }: Step): Promise<void> => {
    const index = o % ids.length;
    const orderId = ids[index]!;
    const plan = orderPlans[index]!;
    const couponId = couponIds[index]!;
    const row = f.orders.rowOf(orderId)!;
    switch (kind) {
      case 'coupon-reply': {
        if (!plan.coupon || !couponId) return;
        const reply =
          plan.coupon.reply === 'reserved'
            ? ({ kind: 'reserved', couponId, discount: plan.coupon.discount } as const)
            : ({ kind: 'rejected', couponId, reason: plan.coupon.reason } as const);
        saw(`coupon:${(await handlers.recordCouponReply.execute({ orderId, reply })).outcome}`);
        return;
      }
      case 'foreign-coupon-reply': {
        const result = await handlers.recordCouponReply.execute({ orderId, reply: { kind: 'reserved', couponId: idOf(3, pick % 1000), discount: 1 } });
        expect(result).toMatchObject({ outcome: 'ignored', mismatch: { field: 'couponId' } });
        return;
      }
      case 'points-reply': {
        if (plan.pointsToUse === 0) return;
        const reply =
          plan.pointsReply === 'reserved'
            ? ({ kind: 'reserved', points: plan.pointsToUse } as const)
            : ({ kind: 'rejected', reason: 'INSUFFICIENT_POINTS' } as const);
        saw(`points:${(await handlers.recordPointsReply.execute({ orderId, reply })).outcome}`);
        return;
      }
      case 'tick': {
        f.clock.advance(advanceMs);
        for (const due of await handlers.expireOverdue.overdue(100)) saw(`expire:${await handlers.expireOverdue.expire(due)}`);
        return;
      }
      case 'cancel':
        await handlers.cancelOrder.execute({ orderId, userId: USER });
        return;
      case 'pay':
      case 'pay-other-amount': {
        const paymentId = idOf(4, ++paymentSeq);
        const amount = (row.payable ?? 0) + (kind === 'pay' ? 0 : 1 + (pick % 500));
        payments[index]!.push({ paymentId, amount });
        const result = await handlers.recordPayment.execute({ orderId, paymentId, amount });
        saw(`payment:${result.outcome}${result.outcome === 'refund-requested' ? `:${result.reason}` : ''}`);
        return;
      }
      case 'pay-again': {
        const earlier = payments[index]![pick % Math.max(1, payments[index]!.length)];
        if (!earlier) return;
        saw(`payment-again:${(await handlers.recordPayment.execute({ orderId, ...earlier })).outcome}`);
        return;
      }
      case 'refund': {
        const recorded = row.payments;
        const payment = recorded[pick % Math.max(1, recorded.length)] ?? { paymentId: idOf(5, pick % 1000), amount: 1 };
        const { outcome } = await handlers.recordRefund.execute({ orderId, paymentId: payment.paymentId, amount: payment.amount });
        saw(`refund:${outcome}`);
        if (outcome === 'refunded') saw(`refund:refunded-from:${row.status}`);
        return;
      }
      case 'refund-other-amount': {
        // A partial refund (or one of more than was paid) of a recorded payment: nothing changes.
        const payment = row.payments[pick % Math.max(1, row.payments.length)];
        if (!payment) return;
        const amount = payment.amount === 0 || pick % 2 === 0 ? payment.amount + 1 : payment.amount - 1;
        const result = await handlers.recordRefund.execute({ orderId, paymentId: payment.paymentId, amount });
        expect(result).toEqual({ outcome: 'amount-mismatch', paymentAmount: payment.amount });
        expect(f.orders.rowOf(orderId), 'a partial refund changes nothing').toEqual(row);
        saw(`refund:${result.outcome}`);
        return;
      }
      case 'request-refund':
        await handlers.requestRefund.execute({ orderId, userId: USER });
        return;
      case 'accept':
      case 'ship':
      case 'deliver':
        await handlers.advanceFulfilment.execute({ orderId, step: kind });
        return;
      case 'confirm':
        await handlers.confirmReceipt.execute({ orderId, userId: USER });
        return;
    }
  };

  const attempt = async (s: Step) => {
    try {
      await step(s);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (!code || !EXPECTED_REFUSALS[s.kind].includes(code)) throw error;
      saw(`refused:${code}`);
    }
    snapshots = ids.map((id, i) => checkOrder(f, id, snapshots[i]));
  };
  for (const s of script) await attempt(s);
  // Then what is still to come, order by order: the replies (unless lost), the customer's payment, their refund.
  for (const [order, plan] of orderPlans.entries()) {
    if (plan.repliesArrive) for (const kind of ['coupon-reply', 'points-reply'] as const) await attempt({ kind, order, pick: 0, advanceMs: 0 });
    if (plan.fate === 'abandon') continue;
    if (plan.fate === 'mispay-then-pay') await attempt({ kind: 'pay-other-amount', order, pick: 0, advanceMs: 0 });
    await attempt({ kind: 'pay', order, pick: 0, advanceMs: 0 });
    // Delivered twice, as the broker may.
    await attempt({ kind: 'pay-again', order, pick: payments[order]!.length - 1, advanceMs: 0 });
    if (plan.fate === 'complete-then-provider-refund')
      for (const kind of ['accept', 'ship', 'deliver', 'confirm'] as const) await attempt({ kind, order, pick: 0, advanceMs: 0 });
    if (plan.fate === 'pay-then-refund') await attempt({ kind: 'request-refund', order, pick: 0, advanceMs: 0 });
    if (plan.fate === 'pay-then-refund' || plan.fate === 'complete-then-provider-refund') {
      const captured = f.orders.rowOf(ids[order]!)!.payments.findIndex((payment) => payment.captured);
      if (captured >= 0) for (let twice = 0; twice < 2; twice++) await attempt({ kind: 'refund', order, pick: captured, advanceMs: 0 });
    }
  }
  // Every deadline passes: no order is left undecided or unpaid.
  await attempt({ kind: 'tick', order: 0, pick: 0, advanceMs: 24 * 60 * 60_000 });
  for (const order of snapshots) {
    expect(['PENDING', 'AWAITING_PAYMENT'], `${order.orderId} decided and settled`).not.toContain(order.status);
    if (order.status === 'CANCELLED') saw(`cancelled:${order.cancelReason}`);
    else saw(`ended:${order.status}`);
  }
  return seen;
}

/** A fresh fixture for one run, its unit of work disposed afterwards (see the points property spec for why). */
async function withFixture<T>(use: (f: OrderApplicationFixture) => Promise<T>, rules: OrderRules): Promise<T> {
  const f = orderApplicationFixture({ rules });
  try {
    return await use(f);
  } finally {
    await f.unitOfWork.dispose();
  }
}

describe('the order saga under random replies, deadlines, cancels and payments', () => {
  it('moves every order along legal edges only, decides once, announces nothing twice, and keeps payable = subtotal − discount − points ≥ 0', async () => {
    const total: Seen = {};
    await fc.assert(
      fc.asyncProperty(plans, steps, async (orderPlans, script) => {
        const seen = await withFixture((f) => run(f, orderPlans, script), RULES);
        for (const [what, n] of Object.entries(seen)) total[what] = (total[what] ?? 0) + n;
      }),
      { numRuns: 200 },
    );
    // The runs went where the rules are hardest: every decision, every refused payment, late and repeated replies.
    for (const path of [
      'cancelled:RESERVATION_TIMEOUT',
      'cancelled:PAYMENT_TIMEOUT',
      'cancelled:CUSTOMER_CANCELLED',
      'cancelled:POINTS_EXCEED_PAYABLE',
      'cancelled:POINTS_INSUFFICIENT_POINTS',
      'ended:PAID',
      'ended:REFUNDED',
      'coupon:ignored',
      'points:ignored',
      'coupon:awaiting-other',
      'points:awaiting-other',
      'payment:paid',
      'payment:refund-requested:LATE_PAYMENT',
      'payment:refund-requested:DUPLICATE_PAYMENT',
      'payment:refund-requested:AMOUNT_MISMATCH',
      'payment-again:duplicate',
      'refund:refunded',
      'refund:refunded-from:REFUNDING',
      'refund:refunded-from:COMPLETED',
      'refund:stray-refunded',
      'refund:amount-mismatch',
      'refund:duplicate',
      'refused:INVALID_STATE',
      'refused:ORDER_NOT_AWAITING_PAYMENT_YET',
      'refused:REFUND_BEFORE_PAYMENT',
    ])
      expect(total[path] ?? 0, path).toBeGreaterThan(0);
    expect(
      Object.keys(total).some((path) => path.startsWith('cancelled:COUPON_')),
      'a coupon rejection cancelled some order',
    ).toBe(true);
  }, 120_000);
});
