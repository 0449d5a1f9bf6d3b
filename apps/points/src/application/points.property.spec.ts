import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventSchemaRegistry, PointsReservationRejectedV1, PointsReservedV1 } from '@shop/contracts';
import { balanceOfLedger } from '../domain/ledger-entry.js';
import { Points } from '../domain/points.js';
import { SagaStepOutOfOrderError } from './saga-step-out-of-order.error.js';
import { pointsApplicationFixture, type PointsApplicationFixture } from './testing/points-application.fixture.js';

/**
 * Random sequences of the contract events the points context hears, each delivered twice and in a
 * random order, checked after every step: every balance equals its ledger's sum and none is negative;
 * at the end no points are frozen for an ended order and each balance is what the orders' fates say.
 *
 * The order context is simulated as it behaves: a placement and an early cancellation (customer,
 * timeout) are sent at once, so the cancellation may overtake the placement; a payment only once the
 * points were reserved (or at once for an order that uses none); a refund with its payment, so it may
 * overtake it; a rejection cancels the order. A step that throws SagaStepOutOfOrderError goes back to
 * the end of the queue, as the broker's redelivery would. On a failure fast-check prints the seed and
 * path that replay it (`fc.assert(…, { seed, path })`).
 */

const SIGNUP_BONUS = 100;
const FATES = ['cancelled-early', 'cancelled-after-reservation', 'paid', 'refunded'] as const;
type Fate = (typeof FATES)[number];

interface OrderPlan {
  readonly user: number;
  readonly pointsToUse: number;
  readonly amountPaid: number;
  readonly fate: Fate;
}

interface Scenario {
  readonly registered: boolean[];
  readonly orders: OrderPlan[];
  /** Which message of the queue is delivered next, step by step (cycled). */
  readonly picks: number[];
}

type Message =
  | { readonly kind: 'user.registered'; readonly userId: string }
  | { readonly kind: 'order.placed' | 'order.cancelled'; readonly order: number }
  | { readonly kind: 'order.paid' | 'order.refunded'; readonly order: number };

const scenarios: fc.Arbitrary<Scenario> = fc.integer({ min: 1, max: 3 }).chain((users) =>
  fc.record({
    registered: fc.array(fc.boolean(), { minLength: users, maxLength: users }),
    orders: fc.array(
      fc.record({
        user: fc.nat({ max: users - 1 }),
        pointsToUse: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 250 })),
        amountPaid: fc.integer({ min: 0, max: 40_000 }),
        fate: fc.constantFrom(...FATES),
      }),
      { minLength: 1, maxLength: 8 },
    ),
    picks: fc.array(fc.nat({ max: 1_000 }), { minLength: 1, maxLength: 60 }),
  }),
);

// Deterministic ids, so that a replayed seed replays the same run.
const idOf = (prefix: number, index: number) => `00000000-0000-4000-8${prefix}00-${String(index).padStart(12, '0')}`;
const userIdOf = (user: number) => idOf(1, user);
const orderIdOf = (order: number) => idOf(2, order);

const schemas = new EventSchemaRegistry([PointsReservedV1, PointsReservationRejectedV1]);

async function checkEveryAccountAgreesWithItsLedger(f: PointsApplicationFixture): Promise<void> {
  const entries = f.ledger.all();
  expect(new Set(entries.map((e) => e.key)).size, 'ledger keys are unique').toBe(entries.length);
  const owners = new Set([...f.accounts.all().map((a) => a.userId), ...f.ledger.userIds()]);
  for (const userId of owners) {
    const stored = await f.queries.balanceOf(userId);
    expect(f.accounts.rowOf(userId), `${userId} has an account row`).toBeDefined();
    expect(stored, `${userId}'s balance is its ledger's sum`).toEqual(balanceOfLedger(f.ledger.entriesOf(userId)));
    for (const value of Object.values(stored)) expect(value).toBeGreaterThanOrEqual(0);
  }
  for (const entry of entries) for (const value of Object.values(entry.after)) expect(value, entry.key).toBeGreaterThanOrEqual(0);
}

/** What a run went through, so the suite can show its random runs reach the interesting paths. */
interface Seen {
  requeued: number;
  lateRejections: number;
  debts: number;
  settlements: number;
}

async function run(f: PointsApplicationFixture, scenario: Scenario): Promise<Seen> {
  const seen: Seen = { requeued: 0, lateRejections: 0, debts: 0, settlements: 0 };
  const { handlers } = f;
  const { orders } = scenario;
  /** How each order ended, as the order context decided it. */
  const ended = new Map<number, 'cancelled' | 'paid' | 'refunded'>();
  const queue: Message[] = [];
  // Every message is delivered twice (at-least-once delivery), the copies anywhere in the queue.
  const send = (...messages: Message[]) => {
    for (const message of messages) queue.push(message, message);
  };

  const proceed = (order: number, reserved: boolean) => {
    const { fate } = orders[order]!;
    if (ended.has(order)) return;
    if (!reserved || fate === 'cancelled-after-reservation') {
      ended.set(order, 'cancelled');
      send({ kind: 'order.cancelled', order });
    } else if (fate === 'paid' || fate === 'refunded') {
      ended.set(order, fate);
      send({ kind: 'order.paid', order }, ...(fate === 'refunded' ? [{ kind: 'order.refunded' as const, order }] : []));
    }
  };

  scenario.registered.forEach((registered, user) => registered && send({ kind: 'user.registered', userId: userIdOf(user) }));
  orders.forEach((plan, order) => {
    send({ kind: 'order.placed', order });
    if (plan.fate === 'cancelled-early') {
      ended.set(order, 'cancelled');
      send({ kind: 'order.cancelled', order });
    }
    // An order without points does not wait for the points context's answer.
    if (plan.pointsToUse === 0) proceed(order, true);
  });

  // What the points context's consumers do with each message (an order that uses no points reserves nothing).
  const deliver = async (message: Message): Promise<void> => {
    if (message.kind === 'user.registered') {
      await handlers.grantSignupBonus.execute({ userId: message.userId });
      return;
    }
    const plan = orders[message.order]!;
    const orderId = orderIdOf(message.order);
    const userId = userIdOf(plan.user);
    switch (message.kind) {
      case 'order.placed': {
        if (plan.pointsToUse === 0) return;
        const result = await handlers.reserve.execute({ orderId, userId, points: plan.pointsToUse });
        if (result.outcome !== 'already-decided') proceed(message.order, result.outcome === 'reserved');
        return;
      }
      case 'order.cancelled': {
        const result = await handlers.release.execute({ orderId, pointsToUse: plan.pointsToUse });
        expect(result.outcome, `the cancellation of order ${message.order}`).not.toBe('inconsistent');
        return;
      }
      case 'order.paid': {
        const result = await handlers.confirm.execute({ orderId, userId, pointsToUse: plan.pointsToUse, amountPaid: plan.amountPaid });
        expect(result.outcome, `the payment of order ${message.order}`).not.toBe('inconsistent');
        return;
      }
      case 'order.refunded':
        await handlers.returnForRefund.execute({ orderId, userId, pointsToUse: plan.pointsToUse });
        return;
    }
  };

  // Random picks first; should they keep choosing messages that are too early, the rest is drained in
  // queue order, which always reaches the message they wait for.
  const randomSteps = 20 * queue.length;
  for (let step = 0; queue.length > 0; step++) {
    expect(step, 'the queue drains').toBeLessThan(10_000);
    const index = step < randomSteps ? scenario.picks[step % scenario.picks.length]! % queue.length : 0;
    const [message] = queue.splice(index, 1);
    f.clock.advance(1_000);
    try {
      await deliver(message!);
    } catch (error) {
      if (!(error instanceof SagaStepOutOfOrderError)) throw error;
      seen.requeued += 1;
      queue.push(message!);
    }
    await checkEveryAccountAgreesWithItsLedger(f);
  }

  // Every order ended: nothing frozen, each order's points in the state its fate implies.
  const rows = new Map(f.orders.all().map((row) => [row.orderId, row]));
  orders.forEach((plan, order) => {
    const row = rows.get(orderIdOf(order));
    const fate = ended.get(order);
    if (fate === 'paid') expect(row?.status).toBe('PAID');
    else if (fate === 'refunded') expect(row?.status).toBe('REFUNDED');
    else if (plan.pointsToUse === 0) expect(row).toBeUndefined();
    else expect(['RELEASED', 'REJECTED']).toContain(row?.status);
  });
  for (const account of f.accounts.all()) expect(account.frozen, `points frozen for ${account.userId}`).toBe(0);

  // Each user holds the bonus plus, for every order still paid, what it earned less what it spent.
  scenario.registered.forEach((registered, user) => {
    const bonus = registered ? SIGNUP_BONUS : 0;
    const paid = orders.filter((plan, order) => plan.user === user && rows.get(orderIdOf(order))?.status === 'PAID');
    const earned = paid.reduce((sum, plan) => sum + Points.earnedFor(plan.amountPaid).value, 0);
    const spent = paid.reduce((sum, plan) => sum + plan.pointsToUse, 0);
    const balance = f.accounts.rowOf(userIdOf(user)) ?? { available: 0, debt: 0, lifetimeEarned: 0 };
    expect(balance.lifetimeEarned, `user ${user} earned`).toBe(bonus + earned);
    expect(balance.available - balance.debt, `user ${user} net`).toBe(bonus + earned - spent);
  });

  // One answer per order that asked for points, however often its placement was delivered; each valid.
  orders.forEach((plan, order) => {
    const answers = f.outbox.events.filter((event) => event.aggregateId === orderIdOf(order));
    expect(answers, `answers to order ${order}`).toHaveLength(plan.pointsToUse > 0 ? 1 : 0);
  });
  for (const event of f.outbox.events) expect(() => schemas.validatePayload(event.type, event.payload)).not.toThrow();

  seen.lateRejections = f.orders.all().filter((row) => row.reason === 'ORDER_CANCELLED').length;
  seen.debts = f.ledger.all().filter((entry) => entry.kind === 'DEBT').length;
  seen.settlements = f.ledger.all().filter((entry) => entry.kind === 'DEBT_SETTLED').length;
  return seen;
}

/**
 * A fresh fixture for one run, its unit of work disposed afterwards, passed or failed: on Node 20 each
 * one's async context would otherwise stay enabled, and hundreds of runs (and shrinks) slow down quadratically.
 */
async function withFixture<T>(use: (f: PointsApplicationFixture) => Promise<T>): Promise<T> {
  const f = pointsApplicationFixture({ signupBonus: SIGNUP_BONUS });
  try {
    return await use(f);
  } finally {
    await f.unitOfWork.dispose();
  }
}

describe('the points context under random, duplicated and reordered contract events', () => {
  it('keeps every balance equal to its ledger and never negative, and frees every order’s points once it ends', async () => {
    const total: Seen = { requeued: 0, lateRejections: 0, debts: 0, settlements: 0 };
    await fc.assert(
      fc.asyncProperty(scenarios, async (scenario) => {
        const seen = await withFixture((f) => run(f, scenario));
        for (const key of Object.keys(total) as Array<keyof Seen>) total[key] += seen[key];
      }),
      { numRuns: 200 },
    );
    // The runs went where the rules are hardest: steps too early, placements after their cancellation, debts and their settlement.
    for (const [path, count] of Object.entries(total)) expect(count, path).toBeGreaterThan(0);
    // A limit, not a timing assertion: 200 runs take a second or two; this only spares a loaded machine the default 20 s.
  }, 120_000);

  it('holds on a hand-picked run: points spent, earned, spent again on a second order, then the first refunded into debt', async () => {
    // Queue positions chosen so: bonus, place #0 (reserved), pay #0, place #1 (all 200 reserved), refund #0; then in order.
    await withFixture(async (f) => {
      const seen = await run(f, {
        registered: [true],
        orders: [
          { user: 0, pointsToUse: 100, amountPaid: 20_000, fate: 'refunded' },
          { user: 0, pointsToUse: 200, amountPaid: 0, fate: 'paid' },
        ],
        picks: [0, 0, 0, 3, 1, 3, 0, 0, 0, 0, 0, 0],
      });

      const userId = userIdOf(0);
      expect(await f.queries.balanceOf(userId)).toEqual({ available: 0, frozen: 0, lifetimeEarned: 100, debt: 100 });
      expect(f.ledger.entriesOf(userId).map((e) => e.kind)).toEqual(['BONUS', 'FREEZE', 'SPEND', 'EARN', 'FREEZE', 'REFUND', 'CLAWBACK', 'DEBT', 'SPEND']);
      expect(seen).toEqual({ requeued: 0, lateRejections: 0, debts: 1, settlements: 0 });
    });
  });
});
