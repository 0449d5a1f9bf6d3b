import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventSchemaRegistry, PaymentFailedV1, PaymentRefundedV1, PaymentSucceededV1 } from '@shop/contracts';
import { newId } from '@shop/shared-kernel';
import { CAPTURED_STATUSES } from '../domain/payment-status.js';
import { paymentViewOf } from './payment.presenters.js';
import { assertPaymentView } from './testing/contract-shapes.js';
import { MINUTE, paymentApplicationFixture, type PaymentApplicationFixture } from './testing/payment-application.fixture.js';

/**
 * Random orders (some with nothing to pay) and random sequences of what may happen to their payments,
 * through the handlers and the in-memory adapters: customers starting payments (two at once now and then,
 * the provider failing now and then), the sandbox settling them (with or without a callback), callbacks
 * delivered, replayed (inside and outside the window), forged and altered, reconciliation runs racing
 * callbacks, orders cancelled and paid, refunds asked (again and again), refused by the provider, retried
 * by the job and by an admin, time passing. Checked after every step: each payment announces each of
 * succeeded / failed / refunded at most once, in the order of its life (failed before a late success,
 * succeeded before refunded), and exactly the ones its status implies; at most one PENDING payment per
 * order, none started once a payment of the order took the money; the provider refunds a payment at most
 * once and is never called inside a transaction; every event and every view matches its schema. A step
 * refused is refused only with a code its rules allow. On a failure fast-check prints the seed and path
 * that replay it (payment ids are random, so a replay may order equal instants differently).
 */

const KINDS = [
  'create',
  'create',
  'create',
  'create-twice-at-once',
  'create-provider-down',
  'simulate-success',
  'simulate-success',
  'simulate-failure',
  'simulate-withheld',
  'deliver',
  'deliver',
  'deliver',
  'replay',
  'forge',
  'alter-amount',
  'callback-racing-reconcile',
  'tick',
  'tick',
  'reconcile',
  'cancel-order',
  'pay-order',
  'request-refund',
  'request-refund-refused',
  'refuse-refunds',
  'retry-refunds',
  'admin-retry',
] as const;
type Kind = (typeof KINDS)[number];

interface Step {
  readonly kind: Kind;
  readonly order: number;
  readonly pick: number;
  readonly advanceMs: number;
}

const payables = fc.array(fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 5, arbitrary: fc.integer({ min: 1, max: 500_000 }) }), {
  minLength: 1,
  maxLength: 3,
});
const steps: fc.Arbitrary<Step[]> = fc.array(
  fc.record({
    kind: fc.constantFrom(...KINDS),
    order: fc.nat(),
    pick: fc.nat(),
    advanceMs: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 90_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 25 * MINUTE }) }),
  }),
  // size 'max': lengths spread up to maxLength (fast-check's default size keeps arrays to about ten).
  { minLength: 1, maxLength: 80, size: 'max' },
);

const schemas = new EventSchemaRegistry([PaymentSucceededV1, PaymentFailedV1, PaymentRefundedV1]);

/** The codes each step may be refused with (it then changes nothing); anything else fails the property. */
const EXPECTED_REFUSALS: Record<Kind, readonly string[]> = {
  create: ['NOT_PAYABLE', 'PAYMENT_IN_PROGRESS'],
  'create-twice-at-once': ['NOT_PAYABLE', 'PAYMENT_IN_PROGRESS'],
  'create-provider-down': ['NOT_PAYABLE', 'PAYMENT_IN_PROGRESS'],
  'simulate-success': ['ALREADY_SETTLED', 'PAYMENT_NOT_FOUND'],
  'simulate-failure': ['ALREADY_SETTLED', 'PAYMENT_NOT_FOUND'],
  'simulate-withheld': ['ALREADY_SETTLED', 'PAYMENT_NOT_FOUND'],
  deliver: [],
  replay: ['INVALID_SIGNATURE'],
  forge: ['INVALID_SIGNATURE'],
  'alter-amount': ['AMOUNT_MISMATCH'],
  'callback-racing-reconcile': [],
  tick: [],
  reconcile: [],
  'cancel-order': [],
  'pay-order': [],
  'request-refund': ['NOT_REFUNDABLE'],
  'request-refund-refused': ['NOT_REFUNDABLE'],
  'refuse-refunds': [],
  'retry-refunds': [],
  'admin-retry': ['NO_REFUND_PENDING'],
};
/** Steps that must be refused every time (an attacker's), with nothing changed. */
const ALWAYS_REFUSED: readonly Kind[] = ['forge', 'alter-amount'];

type Seen = Record<string, number>;

async function run(f: PaymentApplicationFixture, orderPayables: number[], script: Step[]): Promise<Seen> {
  const seen: Seen = {};
  const saw = (what: string) => (seen[what] = (seen[what] ?? 0) + 1);
  const userId = newId();
  const orderIds: string[] = [];
  for (const payable of orderPayables) orderIds.push(await f.awaitingOrder(userId, { payable, dueInMs: 30 * MINUTE }));
  const deliveries: Array<{ rawBody: Buffer; signature: string }> = [];
  /** Per order: whether a payment of it had taken the money when the last payment of it was started. */
  const paymentIdsOf = (orderId: string) => f.payments.ofOrder(orderId).map((p) => p.paymentId);
  const anyPayment = (pick: number): string | undefined => {
    const all = f.payments.snapshots().map((p) => p.paymentId);
    return all.length === 0 ? undefined : all[pick % all.length];
  };
  const deliver = async (paymentId: string, type: 'payment.succeeded' | 'payment.failed') => {
    const delivery = f.signed(f.callbackBody(paymentId, { type }));
    deliveries.push(delivery);
    return f.handlers.receiveProviderCallback.execute(delivery);
  };

  const create = async (orderId: string) => {
    const captured = f.payments.ofOrder(orderId).some((p) => CAPTURED_STATUSES.includes(p.status));
    const before = paymentIdsOf(orderId).length;
    try {
      return await f.handlers.createPayment.execute({ userId, orderId });
    } finally {
      // Never a payment started for an order paid for already.
      if (captured) expect(paymentIdsOf(orderId).length, 'no payment after a captured one').toBe(before);
    }
  };

  const act = async (step: Step): Promise<void> => {
    const orderId = orderIds[step.order % orderIds.length]!;
    const paymentId = anyPayment(step.pick);
    switch (step.kind) {
      case 'create':
        await create(orderId);
        return;
      case 'create-twice-at-once': {
        const results = await Promise.allSettled([create(orderId), create(orderId)]);
        if (results.every((r) => r.status === 'fulfilled')) throw new Error('two payments of one order started at once');
        const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (results.every((r) => r.status === 'rejected')) throw refused!.reason;
        return;
      }
      case 'create-provider-down':
        f.provider.failNext('createPayment');
        try {
          // Answered, never an error: the attempt exists and failed.
          saw(`provider-down:${(await create(orderId)).status}`);
          return;
        } finally {
          // Refused before the provider was asked: the failure is not left for a later step.
          f.provider.clearFailures();
        }
      case 'simulate-success':
      case 'simulate-failure':
      case 'simulate-withheld':
        if (!paymentId) return;
        await f.handlers.simulatePayment.execute({
          userId,
          paymentId,
          outcome: step.kind === 'simulate-failure' ? 'failure' : 'success',
          callback: step.kind === 'simulate-withheld' ? 'withhold' : 'send',
        });
        return;
      case 'deliver': {
        const due = f.provider.reports;
        f.provider.reports = [];
        for (const report of due) saw(`callback:${(await deliver(report.paymentId, report.type)).outcome}`);
        return;
      }
      case 'replay': {
        if (deliveries.length === 0) return;
        saw(`replay:${(await f.handlers.receiveProviderCallback.execute(deliveries[step.pick % deliveries.length]!)).outcome}`);
        return;
      }
      case 'forge':
        if (!paymentId) return;
        await f.handlers.receiveProviderCallback.execute(f.signed(f.callbackBody(paymentId), { secret: 'a-guessed-secret-a-guessed-secret-00' }));
        return;
      case 'alter-amount':
        if (!paymentId) return;
        await f.handlers.receiveProviderCallback.execute(f.signed(f.callbackBody(paymentId, { amount: f.payments.rowOf(paymentId)!.amount + 1 })));
        return;
      case 'callback-racing-reconcile': {
        if (!paymentId || f.payments.rowOf(paymentId)!.provider === 'none') return;
        if (f.provider.charges.get(paymentId)?.status === 'PENDING') f.provider.settle(paymentId, 'SUCCEEDED');
        const charge = f.provider.charges.get(paymentId);
        const type = charge?.status === 'SUCCEEDED' ? 'payment.succeeded' : 'payment.failed';
        f.clock.advance(3 * MINUTE);
        // At once (the callback's transaction queued first), or the job a moment ahead of the callback.
        const [callback, reconciled] =
          step.pick % 2 === 0
            ? await Promise.all([deliver(paymentId, type), f.handlers.reconcilePending.execute({ limit: 100 })])
            : await f.handlers.reconcilePending.execute({ limit: 100 }).then(async (result) => [await deliver(paymentId, type), result] as const);
        saw(`race:${callback.outcome}`);
        expect(reconciled.errors).toEqual([]);
        return;
      }
      case 'tick':
        f.clock.advance(step.advanceMs);
        return;
      case 'reconcile': {
        const result = await f.handlers.reconcilePending.execute({ limit: 100 });
        expect(result.errors).toEqual([]);
        for (const outcome of ['succeeded', 'failed', 'expired'] as const) if (result[outcome] > 0) saw(`reconcile:${outcome}`);
        return;
      }
      case 'cancel-order':
        saw(`close:${await f.handlers.closePaymentForOrder.execute({ orderId, userId, closedAs: 'CANCELLED' })}`);
        return;
      case 'pay-order':
        await f.handlers.closePaymentForOrder.execute({ orderId, userId, closedAs: 'PAID' });
        return;
      case 'request-refund':
      case 'request-refund-refused': {
        if (!paymentId) return;
        const row = f.payments.rowOf(paymentId)!;
        const charge = f.provider.charges.get(paymentId);
        if (charge && step.kind === 'request-refund-refused') charge.refunds = 'refuse';
        saw(`refund:${(await f.handlers.requestRefund.execute({ orderId: row.orderId, paymentId, amount: row.amount, reason: 'CUSTOMER_REQUEST' })).outcome}`);
        return;
      }
      case 'refuse-refunds': {
        const charge = paymentId ? f.provider.charges.get(paymentId) : undefined;
        if (charge) charge.refunds = charge.refunds === 'accept' ? 'refuse' : 'accept';
        return;
      }
      case 'retry-refunds': {
        const result = await f.handlers.retryDueRefunds.execute({ limit: 100 });
        expect(result.errors).toEqual([]);
        if (result.refunded > 0) saw('retry:refunded');
        return;
      }
      case 'admin-retry':
        if (!paymentId) return;
        await f.handlers.retryRefundNow.execute({ paymentId });
        return;
    }
  };

  for (const step of script) {
    const eventsBefore = f.outbox.events.length;
    try {
      await act(step);
      if (ALWAYS_REFUSED.includes(step.kind) && anyPayment(step.pick)) throw new Error(`${step.kind} was not refused`);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === undefined || !EXPECTED_REFUSALS[step.kind].includes(code)) throw error;
      saw(`refused:${code}`);
      if (ALWAYS_REFUSED.includes(step.kind)) expect(f.outbox.events.length, `${step.kind} changes nothing`).toBe(eventsBefore);
    }
    await f.handlers.requestRefund.settled();
    check(f, orderIds);
  }
  for (const row of f.payments.snapshots()) saw(`ended:${row.status}`);

  // The finale: the provider's owed callbacks arrive, it accepts refunds again, time passes, the jobs run.
  // Nothing is left PENDING (reconciliation settles or cancels it) nor REFUNDING (the job refunds it).
  await act({ kind: 'deliver', order: 0, pick: 0, advanceMs: 0 });
  for (const charge of f.provider.charges.values()) charge.refunds = 'accept';
  f.clock.advance(30 * MINUTE);
  const reconciled = await f.handlers.reconcilePending.execute({ limit: 1_000 });
  expect(reconciled.errors).toEqual([]);
  for (const outcome of ['succeeded', 'failed', 'expired'] as const) if (reconciled[outcome] > 0) saw(`reconcile:${outcome}`);
  for (let round = 0; round < 3; round++) {
    f.clock.advance(10 * MINUTE);
    const retried = await f.handlers.retryDueRefunds.execute({ limit: 1_000 });
    expect(retried.errors).toEqual([]);
    if (retried.refunded > 0) saw('retry:refunded');
  }
  check(f, orderIds);
  for (const row of f.payments.snapshots()) expect(['PENDING', 'REFUNDING'], `${row.paymentId} settled in the end`).not.toContain(row.status);
  return seen;
}

/** The invariants, after every step. */
function check(f: PaymentApplicationFixture, orderIds: readonly string[]): void {
  expect(f.provider.callsInTransaction, 'the provider is never called inside a transaction').toBe(0);
  for (const event of f.outbox.events) schemas.validatePayload(event.type, event.payload);
  for (const orderId of orderIds)
    expect(f.payments.ofOrder(orderId).filter((p) => p.status === 'PENDING').length, 'one PENDING per order').toBeLessThanOrEqual(1);
  for (const payment of f.payments.snapshots()) {
    const types = f.outbox.events.filter((event) => event.aggregateId === payment.paymentId).map((event) => event.type);
    const count = (type: string) => types.filter((t) => t === type).length;
    const label = `${payment.paymentId} (${payment.status}): ${types.join(', ')}`;
    for (const type of ['payment.succeeded.v1', 'payment.failed.v1', 'payment.refunded.v1']) expect(count(type), label).toBeLessThanOrEqual(1);
    const captured = CAPTURED_STATUSES.includes(payment.status);
    expect(count('payment.succeeded.v1'), label).toBe(captured ? 1 : 0);
    expect(count('payment.refunded.v1'), label).toBe(payment.status === 'REFUNDED' ? 1 : 0);
    if (payment.status === 'FAILED') expect(count('payment.failed.v1'), label).toBe(1);
    if (payment.status === 'PENDING') expect(types, label).toEqual([]);
    // In the order of its life: a failure before a late success, the success before its refund.
    const order = ['payment.failed.v1', 'payment.succeeded.v1', 'payment.refunded.v1'];
    expect(
      types.map((t) => order.indexOf(t)),
      label,
    ).toEqual([...types.map((t) => order.indexOf(t))].sort((a, b) => a - b));
    // Money: given back at most once, and given back exactly when refunded (none is owed for a free payment).
    const refunds = f.provider.refundsOf(payment.paymentId);
    expect(refunds, label).toBeLessThanOrEqual(1);
    if (payment.provider !== 'none') expect(refunds, label).toBe(payment.status === 'REFUNDED' ? 1 : 0);
    if (payment.status === 'REFUNDING') expect(payment.refund?.nextAttemptAt, label).not.toBeNull();
    assertPaymentView(paymentViewOf(payment));
  }
}

/** A fresh fixture for one run, its unit of work disposed afterwards (see the points property spec for why). */
async function withFixture<T>(use: (f: PaymentApplicationFixture) => Promise<T>): Promise<T> {
  const f = paymentApplicationFixture();
  try {
    return await use(f);
  } finally {
    await f.unitOfWork.dispose();
  }
}

describe('payments under random callbacks, duplicates, reconciliation and refunds', () => {
  it('announce each transition once, in order, take the money at most once per payment and give it back at most once', async () => {
    const total: Seen = {};
    await fc.assert(
      fc.asyncProperty(payables, steps, async (orderPayables, script) => {
        const seen = await withFixture((f) => run(f, orderPayables, script));
        for (const [what, n] of Object.entries(seen)) total[what] = (total[what] ?? 0) + n;
      }),
      { numRuns: 200 },
    );
    // The runs went where the rules are hardest.
    if (process.env['PAYMENT_PROPERTY_TOTALS']) console.log(total);
    for (const path of [
      'ended:SUCCEEDED',
      'ended:FAILED',
      'ended:REFUNDING',
      'ended:REFUNDED',
      'ended:PENDING',
      'callback:succeeded',
      'callback:failed',
      'callback:duplicate',
      'replay:duplicate',
      'race:succeeded',
      'race:duplicate',
      'reconcile:succeeded',
      'reconcile:expired',
      'refund:requested',
      'refund:duplicate',
      'retry:refunded',
      'refused:NOT_PAYABLE',
      'refused:PAYMENT_IN_PROGRESS',
      'provider-down:FAILED',
      'refused:ALREADY_SETTLED',
      'refused:INVALID_SIGNATURE',
      'refused:AMOUNT_MISMATCH',
      'refused:NOT_REFUNDABLE',
      'refused:NO_REFUND_PENDING',
    ])
      expect(total[path] ?? 0, path).toBeGreaterThan(0);
  }, 120_000);
});
