import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EventSchemaRegistry,
  OrderCancelledV1,
  OrderPaidV1,
  OrderPlacedV1,
  OrderRefundedV1,
  PointsReservationRejectedV1,
  PointsReservedV1,
  UserRegisteredV1,
} from '@shop/contracts';
import { DomainError, canonicalId } from '@shop/shared-kernel';
import type { Balance } from '../domain/ledger-entry.js';
import { SagaStepOutOfOrderError } from './saga-step-out-of-order.error.js';
import { pointsApplicationFixture, type PointsApplicationFixture, type PointsHandlers } from './testing/points-application.fixture.js';

/**
 * The issue's property in its own words: random sequences of the contract events, duplicated and
 * reordered, and the balance always equals the ledger's sum and is never negative.
 *
 * Unlike points.property.spec.ts, no well-behaved order service stands behind the events: any of the
 * five may come for any order of a small pool, in any order, from any user of a small pool, with any
 * amounts the contracts allow (biased only so that runs often get far: mostly from the order's own
 * user, placements tending to come before payments). So the sequences include what a correct order context never sends (a payment or a
 * refund of an order never placed, a payment of a rejected or cancelled order, one order id placed by
 * two users, a payment whose pointsToUse differs from its placement's), and the points context must
 * stay consistent through all of it. Each event is delivered one to three times, everything shuffled.
 *
 * Events go to the use cases as the interface consumers hand them over (messaging/*.controller.ts:
 * ids canonicalised, placements without points skipped). A delivery that fails goes
 * back to the end of the queue, as the broker's retry would, up to MAX_ATTEMPTS, then it is dead-lettered.
 * SagaStepOutOfOrderError is the expected such failure; a DomainError is what the consumer would get as
 * well, so it is recorded (and none is expected); any other exception fails the property.
 *
 * Checked after every step: each account's balances equal its ledger's sums and every entry's
 * "after" columns its running sum; no balance is negative, and none is available while some is owed;
 * ledger keys are unique; each order has at most one answer (reserved or rejected), exactly one once
 * a placement was decided; and each user's balances are what the orders' rows say (frozen = what its
 * RESERVED orders hold, and so on).
 */

const SIGNUP_BONUS = 100;
const USERS = 2;
const ORDERS = 6;
/** Deliveries of one message before it is dead-lettered (the broker's retry limit). */
const MAX_ATTEMPTS = 4;
const MAX_POINTS = 1_000_000_000_000;

// Deterministic ids, so that a replayed seed replays the same run.
const idOf = (prefix: number, index: number) => `00000000-0000-4000-8${prefix}00-${String(index).padStart(12, '0')}`;
const userIdOf = (user: number) => idOf(1, user);
const orderIdOf = (order: number) => idOf(2, order);
const AT = '2026-02-01T08:00:00.000Z';

type ContractEvent =
  | { readonly type: 'user.registered.v1'; readonly payload: UserRegisteredV1 }
  | { readonly type: 'order.placed.v1'; readonly payload: OrderPlacedV1 }
  | { readonly type: 'order.cancelled.v1'; readonly payload: OrderCancelledV1 }
  | { readonly type: 'order.paid.v1'; readonly payload: OrderPaidV1 }
  | { readonly type: 'order.refunded.v1'; readonly payload: OrderRefundedV1 };

/** None, up to the bonus (100), more than the bonus (affordable once earned), and the contract's maximum. */
const pointsToUse = fc.oneof(
  { arbitrary: fc.constant(0), weight: 2 },
  { arbitrary: fc.integer({ min: 1, max: 100 }), weight: 4 },
  { arbitrary: fc.integer({ min: 101, max: 500 }), weight: 3 },
  { arbitrary: fc.constant(MAX_POINTS), weight: 1 },
);
/** Fen: nothing, less than a yuan, up to a few hundred yuan, and the contract's maximum (10^10 points earned). */
const fen = fc.oneof(
  { arbitrary: fc.constant(0), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 99 }), weight: 1 },
  { arbitrary: fc.integer({ min: 100, max: 50_000 }), weight: 6 },
  { arbitrary: fc.constant(MAX_POINTS), weight: 1 },
);

type EventType = ContractEvent['type'];

/**
 * One event before its ids are decided: the user and pointsToUse are those of its order (drawn once
 * per run) unless overridden, so the steps of one order mostly agree and, now and then, do not.
 */
interface EventDraft {
  readonly type: EventType;
  readonly order: number;
  readonly user: number | null;
  readonly pointsToUse: number | null;
  readonly amount: number;
  readonly upperCase: boolean;
  /** When each copy is delivered, 0–1000; scaled into a window per event type below. */
  readonly times: number[];
}

const eventDraft: fc.Arbitrary<EventDraft> = fc.record({
  type: fc.oneof(
    { arbitrary: fc.constant('user.registered.v1' as const), weight: 2 },
    { arbitrary: fc.constant('order.placed.v1' as const), weight: 3 },
    { arbitrary: fc.constant('order.cancelled.v1' as const), weight: 2 },
    { arbitrary: fc.constant('order.paid.v1' as const), weight: 3 },
    { arbitrary: fc.constant('order.refunded.v1' as const), weight: 2 },
  ),
  order: fc.nat({ max: ORDERS - 1 }),
  user: fc.option(fc.nat({ max: USERS - 1 }), { freq: 4 }),
  pointsToUse: fc.option(pointsToUse, { freq: 4 }),
  amount: fen,
  upperCase: fc.boolean(),
  times: fc.array(fc.nat({ max: 1_000 }), { minLength: 1, maxLength: 3 }),
});

/**
 * Where in the run each type tends to come: the windows overlap, so any event may come before any
 * other (a refund before its placement), but placements tend to come before payments and payments
 * before refunds often enough for the runs to reach reservations, spending, refunds and debts.
 */
const WINDOWS: Record<EventType, readonly [number, number]> = {
  'user.registered.v1': [0, 400],
  'order.placed.v1': [100, 600],
  'order.cancelled.v1': [200, 1_000],
  'order.paid.v1': [250, 1_000],
  'order.refunded.v1': [400, 1_000],
};

function eventOf(draft: EventDraft, owners: readonly number[], wanted: readonly number[]): ContractEvent {
  const spell = (id: string) => (draft.upperCase ? id.toUpperCase() : id);
  const user = draft.user ?? owners[draft.order]!;
  const ids = { orderId: spell(orderIdOf(draft.order)), userId: spell(userIdOf(user)) };
  const points = draft.pointsToUse ?? wanted[draft.order]!;
  switch (draft.type) {
    case 'user.registered.v1':
      return { type: draft.type, payload: { userId: ids.userId, email: `user${user}@example.com`, nickname: null, registeredAt: AT } };
    case 'order.placed.v1': {
      const item = { sku: 'SKU-1', quantity: 1, unitPrice: draft.amount, lineTotal: draft.amount };
      return { type: draft.type, payload: { ...ids, items: [item], subtotal: draft.amount, couponId: null, pointsToUse: points, placedAt: AT } };
    }
    case 'order.cancelled.v1':
      return { type: draft.type, payload: { ...ids, couponId: null, pointsToUse: points, reason: 'CUSTOMER_CANCELLED', cancelledAt: AT } };
    case 'order.paid.v1':
      return { type: draft.type, payload: { ...ids, couponId: null, pointsToUse: points, amountPaid: draft.amount, paidAt: AT } };
    case 'order.refunded.v1':
      return { type: draft.type, payload: { ...ids, couponId: null, pointsToUse: points, amountRefunded: draft.amount, refundedAt: AT } };
  }
}

/**
 * A run: each order's user and pointsToUse, and up to 40 events over the pools, each delivered one to
 * three times; sorted by delivery time, the copies land anywhere in the sequence (ties keep the drawn
 * order). No chain, so fast-check shrinks it well: fewer events, fewer copies, earlier times.
 */
const deliveries: fc.Arbitrary<ContractEvent[]> = fc
  .record({
    owners: fc.array(fc.nat({ max: USERS - 1 }), { minLength: ORDERS, maxLength: ORDERS }),
    wanted: fc.array(pointsToUse, { minLength: ORDERS, maxLength: ORDERS }),
    drafts: fc.array(eventDraft, { minLength: 1, maxLength: 40, size: 'medium' }),
  })
  .map(({ owners, wanted, drafts }) =>
    drafts
      .flatMap((draft) => {
        const [from, to] = WINDOWS[draft.type];
        const event = eventOf(draft, owners, wanted);
        return draft.times.map((time) => ({ event, time: from + ((to - from) * time) / 1_000 }));
      })
      .sort((a, b) => a.time - b.time)
      .map(({ event }) => event),
  );

const incoming = new EventSchemaRegistry([UserRegisteredV1, OrderPlacedV1, OrderCancelledV1, OrderPaidV1, OrderRefundedV1]);
const answers = new EventSchemaRegistry([PointsReservedV1, PointsReservationRejectedV1]);

/** What each consumer does with its event (messaging/*.controller.ts), named by the use case's outcome. */
async function consume(handlers: PointsHandlers, event: ContractEvent): Promise<string> {
  switch (event.type) {
    case 'user.registered.v1':
      return (await handlers.grantSignupBonus.execute({ userId: canonicalId(event.payload.userId) })).outcome;
    case 'order.placed.v1': {
      const { payload } = event;
      if (payload.pointsToUse === 0) return 'skipped';
      const result = await handlers.reserve.execute({
        orderId: canonicalId(payload.orderId),
        userId: canonicalId(payload.userId),
        points: payload.pointsToUse,
      });
      if (result.outcome === 'already-decided' && !result.agrees) return 'already-decided, disagreeing';
      return result.outcome === 'rejected' ? `rejected ${result.reason}` : result.outcome;
    }
    case 'order.cancelled.v1':
      return (await handlers.release.execute({ orderId: canonicalId(event.payload.orderId), pointsToUse: event.payload.pointsToUse })).outcome;
    case 'order.paid.v1': {
      const { payload } = event;
      const result = await handlers.confirm.execute({
        orderId: canonicalId(payload.orderId),
        userId: canonicalId(payload.userId),
        pointsToUse: payload.pointsToUse,
        amountPaid: payload.amountPaid,
      });
      return result.outcome === 'confirmed' && result.spent === 0 ? 'confirmed without points' : result.outcome;
    }
    case 'order.refunded.v1': {
      const { payload } = event;
      const result = await handlers.returnForRefund.execute({
        orderId: canonicalId(payload.orderId),
        userId: canonicalId(payload.userId),
        pointsToUse: payload.pointsToUse,
      });
      return result.outcome === 'returned' && result.debt > 0 ? 'returned into debt' : result.outcome;
    }
  }
}

const ZERO: Balance = { available: 0, frozen: 0, lifetimeEarned: 0, debt: 0 };

/** Every invariant the points context promises, whatever came in. */
async function checkInvariants(f: PointsApplicationFixture): Promise<void> {
  const entries = f.ledger.all();
  expect(new Set(entries.map((e) => e.key)).size, 'ledger keys are unique').toBe(entries.length);

  // Each account equals its ledger's sums (added up here, not by the code under test), entry by entry.
  const owners = new Set([...f.accounts.all().map((a) => a.userId), ...f.ledger.userIds()]);
  for (const owner of owners) {
    let sum = { ...ZERO };
    for (const entry of f.ledger.entriesOf(owner)) {
      const { delta } = entry;
      sum = {
        available: sum.available + delta.available,
        frozen: sum.frozen + delta.frozen,
        lifetimeEarned: sum.lifetimeEarned + delta.earned,
        debt: sum.debt + delta.debt,
      };
      expect(entry.after, `${entry.key}: the balances after it are the running sum`).toEqual(sum);
    }
    expect(f.accounts.rowOf(owner), `${owner} has an account row`).toBeDefined();
    expect(await f.queries.balanceOf(owner), `${owner}'s balance is its ledger's sum`).toEqual(sum);
    for (const [name, value] of Object.entries(sum)) expect(value, `${owner}'s ${name}`).toBeGreaterThanOrEqual(0);
    // A debt is paid from the first points that become available: never both at once.
    expect(Math.min(sum.available, sum.debt), `${owner} holds points while in debt`).toBe(0);
  }

  // Each user's balances are what the orders' rows say they should be.
  const rows = f.orders.all();
  for (let user = 0; user < USERS; user++) {
    const owner = userIdOf(user);
    const balance = await f.queries.balanceOf(owner);
    const own = rows.filter((row) => row.userId === owner);
    const bonus = f.ledger.has(`BONUS:${owner}`) ? SIGNUP_BONUS : 0;
    const paid = own.filter((row) => row.status === 'PAID');
    const sum = (list: typeof own, value: (row: (typeof own)[number]) => number) => list.reduce((total, row) => total + value(row), 0);
    const held = own.filter((row) => row.status === 'RESERVED');
    expect(balance.frozen, `user ${user}: frozen is what its RESERVED orders hold`).toBe(sum(held, (row) => row.points));
    expect(balance.lifetimeEarned, `user ${user}: earned is the bonus and its PAID orders' earnings`).toBe(bonus + sum(paid, (row) => row.earned));
    expect(balance.available + balance.frozen - balance.debt, `user ${user}: net of spending and earning`).toBe(
      bonus + sum(paid, (row) => row.earned - row.points),
    );
  }

  // One answer per order at most, exactly one once its placement was decided (a row asking for points); each valid.
  for (const event of f.outbox.events) expect(() => answers.validatePayload(event.type, event.payload)).not.toThrow();
  for (let order = 0; order < ORDERS; order++) {
    const id = orderIdOf(order);
    const row = rows.find((candidate) => candidate.orderId === id);
    const answered = f.outbox.events.filter((event) => event.aggregateId === id);
    expect(answered.length, `answers to order ${order} (${row?.status ?? 'no row'})`).toBe(row && row.points > 0 ? 1 : 0);
  }
}

interface Outcomes {
  /** How often each outcome occurred, by event type ('order.paid.v1: inconsistent'), and 'requeued', 'DEBT', 'DEBT_SETTLED'. */
  readonly counts: Map<string, number>;
  /** The domain errors thrown, by code and event type. */
  readonly domainErrors: string[];
}

async function run(f: PointsApplicationFixture, sequence: readonly ContractEvent[], outcomes: Outcomes): Promise<void> {
  const count = (outcome: string) => outcomes.counts.set(outcome, (outcomes.counts.get(outcome) ?? 0) + 1);
  const queue = sequence.map((event) => ({ event, attempts: 0 }));
  await checkInvariants(f);
  while (queue.length > 0) {
    const delivery = queue.shift()!;
    // Only what the consumer would accept reaches the use cases.
    expect(() => incoming.validatePayload(delivery.event.type, delivery.event.payload)).not.toThrow();
    delivery.attempts += 1;
    f.clock.advance(1_000);
    try {
      count(`${delivery.event.type}: ${await consume(f.handlers, delivery.event)}`);
    } catch (error) {
      if (error instanceof DomainError) outcomes.domainErrors.push(`${delivery.event.type}: ${error.code} ${error.message}`);
      else if (!(error instanceof SagaStepOutOfOrderError)) throw error;
      // Failed deliveries come back, as the broker retries them, until they are dead-lettered.
      if (delivery.attempts < MAX_ATTEMPTS) {
        count('requeued');
        queue.push(delivery);
      } else count(`${delivery.event.type}: dead-lettered`);
    }
    await checkInvariants(f);
  }
  const entries = f.ledger.all();
  for (const kind of ['DEBT', 'DEBT_SETTLED'] as const)
    outcomes.counts.set(kind, (outcomes.counts.get(kind) ?? 0) + entries.filter((e) => e.kind === kind).length);
}

/** A fresh fixture for one run, its unit of work disposed afterwards, passed or failed (see InMemoryUnitOfWork.dispose). */
async function withFixture<T>(use: (f: PointsApplicationFixture) => Promise<T>): Promise<T> {
  const f = pointsApplicationFixture({ signupBonus: SIGNUP_BONUS });
  try {
    return await use(f);
  } finally {
    await f.unitOfWork.dispose();
  }
}

// Builders for the hand-written examples below.
const registered = (user: number): ContractEvent => ({
  type: 'user.registered.v1',
  payload: { userId: userIdOf(user), email: `user${user}@example.com`, nickname: null, registeredAt: AT },
});
const placed = (order: number, user: number, points: number): ContractEvent => ({
  type: 'order.placed.v1',
  payload: {
    orderId: orderIdOf(order),
    userId: userIdOf(user),
    items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 1_000, lineTotal: 1_000 }],
    subtotal: 1_000,
    couponId: null,
    pointsToUse: points,
    placedAt: AT,
  },
});
const cancelled = (order: number, user: number, points: number): ContractEvent => ({
  type: 'order.cancelled.v1',
  payload: { orderId: orderIdOf(order), userId: userIdOf(user), couponId: null, pointsToUse: points, reason: 'CUSTOMER_CANCELLED', cancelledAt: AT },
});
const paid = (order: number, user: number, points: number, amountPaid: number): ContractEvent => ({
  type: 'order.paid.v1',
  payload: { orderId: orderIdOf(order), userId: userIdOf(user), couponId: null, pointsToUse: points, amountPaid, paidAt: AT },
});
const refunded = (order: number, user: number, points: number): ContractEvent => ({
  type: 'order.refunded.v1',
  payload: { orderId: orderIdOf(order), userId: userIdOf(user), couponId: null, pointsToUse: points, amountRefunded: 1_000, refundedAt: AT },
});

describe('the points context under arbitrary sequences of the contract events, duplicated and reordered', () => {
  it('keeps every balance equal to its ledger and never negative, whatever the order context sends', async () => {
    const outcomes: Outcomes = { counts: new Map(), domainErrors: [] };
    await fc.assert(
      fc.asyncProperty(deliveries, (sequence) => withFixture((f) => run(f, sequence, outcomes))),
      {
        numRuns: 300,
        examples: [
          // Earned points spent on a second order, then the first refunded into debt, settled by the second's cancellation.
          [[registered(0), placed(0, 0, 100), paid(0, 0, 100, 20_000), placed(1, 0, 200), refunded(0, 0, 100), cancelled(1, 0, 200)]],
          // One order id placed by two users; paid with other pointsToUse than placed; paid and refunded though rejected.
          [[registered(1), placed(2, 1, 30), placed(2, 0, 50), paid(2, 0, 0, 5_000), placed(3, 0, 10), paid(3, 0, 10, 100), refunded(3, 0, 10)]],
          // Cancelled before placed (then rejected late), paid though cancelled, refunded though never paid.
          [[cancelled(0, 0, 10), paid(0, 0, 0, 900), placed(0, 0, 10), refunded(1, 1, 0)]],
        ],
      },
    );

    // Nothing the consumers would dead-letter as a business failure: every rule held without one.
    expect(outcomes.domainErrors).toEqual([]);
    // The runs reached the paths the rules are about, the inconsistent ones included.
    const reached = [
      'user.registered.v1: granted',
      'user.registered.v1: already-granted',
      'order.placed.v1: reserved',
      'order.placed.v1: rejected INSUFFICIENT_POINTS',
      'order.placed.v1: rejected ORDER_CANCELLED',
      'order.placed.v1: already-decided',
      'order.placed.v1: already-decided, disagreeing',
      'order.placed.v1: skipped',
      'order.cancelled.v1: released',
      'order.cancelled.v1: tombstoned',
      'order.cancelled.v1: nothing-to-release',
      'order.cancelled.v1: not-seen',
      'order.cancelled.v1: inconsistent',
      'order.paid.v1: confirmed',
      'order.paid.v1: confirmed without points',
      'order.paid.v1: already-confirmed',
      'order.paid.v1: inconsistent',
      'order.paid.v1: dead-lettered',
      'order.refunded.v1: returned',
      'order.refunded.v1: returned into debt',
      'order.refunded.v1: already-returned',
      'order.refunded.v1: nothing-to-return',
      'order.refunded.v1: dead-lettered',
      'requeued',
      'DEBT',
      'DEBT_SETTLED',
    ];
    for (const outcome of reached) expect(outcomes.counts.get(outcome) ?? 0, outcome).toBeGreaterThan(0);
    // A limit, not a timing assertion: the runs take a few seconds; this only spares a loaded machine the default 20 s.
  }, 120_000);
});
