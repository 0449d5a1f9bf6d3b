// The points service as a participant of the order saga (DESIGN.md section 6) and as the user
// context's listener, with the other contexts played by the test: it publishes the contract events
// (user.registered.v1, order.placed.v1, …) to the broker as those services will, and listens to what the
// points service answers (points.reserved.v1, points.reservation-rejected.v1) on a queue of its own.
// Every step is delivered twice: the same event again (same id: the inbox drops it) and another event
// for the same order (another id: the use case is idempotent by order id, the ledger by entry key).
// After each scenario every account's balances equal the sums of its ledger, none below zero. On
// PostgreSQL + RabbitMQ and on SQLite + the in-memory transport.
import { randomUUID } from 'node:crypto';
import {
  OrderCancelledV1,
  OrderPaidV1,
  OrderPlacedV1,
  OrderRefundedV1,
  PointsReservationRejectedV1,
  PointsReservedV1,
  UserRegisteredV1,
  type EventEnvelope,
  type PointsBalance,
} from '@shop/contracts';
import { Cleanups, capturingLogger, metricValue, waitFor, type EventProbe, type LogLine } from '@shop/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SETUPS, PointsServiceHome, aCustomer, envelopeOf, type PointsApi } from './support/points-service-harness.js';

type Answer = PointsReservedV1 | PointsReservationRejectedV1;

/** One ledger row as stored, oldest first. */
interface LedgerRow {
  readonly kind: string;
  readonly key: string;
  readonly orderId: string | null;
  /** Changes to available, frozen, lifetimeEarned, debt. */
  readonly delta: [number, number, number, number];
  /** available, frozen, lifetimeEarned, debt after the entry. */
  readonly after: [number, number, number, number];
}

describe.each(SETUPS)('the points service in the order saga on %s', (setup) => {
  const cleanups = new Cleanups();
  let home: PointsServiceHome;
  let api: PointsApi;
  let answers: EventProbe<Answer>;
  /** What the service logged at warn and above. */
  const log = capturingLogger({ service: 'points', level: 'warn' });
  /** Every user a test touched: their balances are checked against their ledgers after it. */
  const usersOfTheTest = new Set<string>();

  beforeAll(async () => {
    home = await PointsServiceHome.create(setup, cleanups);
    ({ api } = await home.start(undefined, { logger: log.logger }));
    // Bound before any order is placed: the points service's answers then have somewhere to go.
    answers = await home.listen<Answer>([PointsReservedV1.type, PointsReservationRejectedV1.type]);
  });
  afterAll(() => cleanups.run());

  afterEach(async () => {
    for (const userId of usersOfTheTest) await expectBalanceToBeItsLedger(userId);
    usersOfTheTest.clear();
  });

  // ---------------------------------------------------------------- arranging

  interface Order {
    readonly orderId: string;
    readonly userId: string;
    readonly pointsToUse: number;
    /** Fen paid (and refunded). */
    readonly amountPaid: number;
  }

  const aUser = (): string => {
    const userId = randomUUID();
    usersOfTheTest.add(userId);
    return userId;
  };
  const anOrder = (userId: string, pointsToUse: number, amountPaid = 10_000): Order => ({ orderId: randomUUID(), userId, pointsToUse, amountPaid });
  const now = () => new Date().toISOString();
  const fromOrder = { source: 'order' } as const;
  const common = (order: Order) => ({ orderId: order.orderId, userId: order.userId, couponId: null, pointsToUse: order.pointsToUse });

  const registered = (userId: string) =>
    envelopeOf(
      UserRegisteredV1,
      { userId, email: `${userId.slice(0, 8)}@example.com`, nickname: null, registeredAt: now() },
      { aggregateId: userId, source: 'user' },
    );
  const placed = (order: Order) => {
    const subtotal = order.amountPaid + order.pointsToUse;
    return envelopeOf(
      OrderPlacedV1,
      { ...common(order), items: [{ sku: 'TEA-01', quantity: 1, unitPrice: subtotal, lineTotal: subtotal }], subtotal, placedAt: now() },
      { aggregateId: order.orderId, ...fromOrder },
    );
  };
  const cancelled = (order: Order) =>
    envelopeOf(OrderCancelledV1, { ...common(order), reason: 'CUSTOMER_CANCELLED', cancelledAt: now() }, { aggregateId: order.orderId, ...fromOrder });
  const paid = (order: Order) =>
    envelopeOf(OrderPaidV1, { ...common(order), amountPaid: order.amountPaid, paidAt: now() }, { aggregateId: order.orderId, ...fromOrder });
  const refunded = (order: Order) =>
    envelopeOf(OrderRefundedV1, { ...common(order), amountRefunded: order.amountPaid, refundedAt: now() }, { aggregateId: order.orderId, ...fromOrder });

  // ---------------------------------------------------------------- delivering

  // Publishes the event once and waits until it is handled (its inbox row is committed with its effects).
  const deliver = (envelope: EventEnvelope): Promise<void> => home.deliver(envelope);

  // The same message again (the inbox drops it) and a copy with an id of its own (the use case sees the repeat).
  const deliverTwice = async (envelope: EventEnvelope): Promise<void> => void (await home.deliverTwice(envelope));

  /** A user registered (the sign-up bonus, 100) and `earned` more from a paid order that used no points. */
  async function aUserWith(points: number): Promise<string> {
    const userId = aUser();
    await deliver(registered(userId));
    if (points > 100) await deliver(paid(anOrder(userId, 0, (points - 100) * 100)));
    expect(await balanceOf(userId)).toMatchObject({ available: points, frozen: 0 });
    return userId;
  }

  // ---------------------------------------------------------------- observing

  /** The one answer the points service gave the order: written once to its outbox, and received by the order side. */
  async function theAnswerTo(orderId: string): Promise<EventEnvelope<Answer>> {
    const written = await home.query<{ type: string }>(`SELECT type FROM outbox WHERE aggregate_id = ${home.param(1)}`, [orderId]);
    expect(written).toHaveLength(1);
    const received = await waitFor(() => answers.about([orderId]).length > 0 && answers.about([orderId]), {
      timeoutMs: 60_000,
      what: `the points service's answer to order ${orderId}`,
    });
    // The relay publishes at least once: a repeat would carry the same id, so distinct ids are distinct answers.
    expect(new Set(received.map((event) => event.id)).size).toBe(1);
    expect(received[0]!.type).toBe(written[0]!.type);
    return received[0]!;
  }

  async function expectNoAnswerTo(orderId: string): Promise<void> {
    expect(await home.count('outbox', `aggregate_id = ${home.param(1)}`, [orderId])).toBe(0);
  }

  async function ledgerOf(userId: string): Promise<LedgerRow[]> {
    const rows = await home.query<Record<string, string | number | null>>(
      `SELECT kind, entry_key, order_id, delta_available, delta_frozen, delta_earned, delta_debt,
              available_after, frozen_after, lifetime_earned_after, debt_after
         FROM points_ledger WHERE user_id = ${home.param(1)} ORDER BY seq`,
      [userId],
    );
    return rows.map((row) => ({
      kind: String(row['kind']),
      key: String(row['entry_key']),
      orderId: row['order_id'] === null ? null : String(row['order_id']),
      delta: [Number(row['delta_available']), Number(row['delta_frozen']), Number(row['delta_earned']), Number(row['delta_debt'])],
      after: [Number(row['available_after']), Number(row['frozen_after']), Number(row['lifetime_earned_after']), Number(row['debt_after'])],
    }));
  }

  /** The kinds and available/frozen/debt changes of the user's ledger, oldest first: what a scenario asserts. */
  async function entriesOf(userId: string): Promise<Array<[string, number, number, number]>> {
    return (await ledgerOf(userId)).map((row) => [row.kind, row.delta[0], row.delta[1], row.delta[3]]);
  }

  async function storedAccount(userId: string): Promise<PointsBalance | undefined> {
    const [row] = await home.query<Record<string, string | number>>(
      `SELECT available, frozen, lifetime_earned, debt FROM points_account WHERE user_id = ${home.param(1)}`,
      [userId],
    );
    return (
      row && { available: Number(row['available']), frozen: Number(row['frozen']), lifetimeEarned: Number(row['lifetime_earned']), debt: Number(row['debt']) }
    );
  }

  /** GET /me/points for the user, as the gateway would ask. */
  async function balanceOf(userId: string): Promise<PointsBalance> {
    const response = await api.myPoints(aCustomer(userId));
    if (response.status !== 200) throw new Error(`GET /me/points answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as PointsBalance;
  }

  /**
   * The invariant: the stored account (as GET /me/points shows it) is the sum of its ledger's deltas,
   * each entry's `…After` is the running sum, nothing is ever below zero, and no entry key is written twice.
   */
  async function expectBalanceToBeItsLedger(userId: string): Promise<void> {
    const ledger = await ledgerOf(userId);
    const running: [number, number, number, number] = [0, 0, 0, 0];
    for (const entry of ledger) {
      for (let i = 0; i < 4; i++) running[i]! += entry.delta[i]!;
      expect({ key: entry.key, after: entry.after }).toEqual({ key: entry.key, after: running });
      expect(entry.after.every((part) => part >= 0)).toBe(true);
    }
    expect(new Set(ledger.map((entry) => entry.key)).size).toBe(ledger.length);
    const [available, frozen, lifetimeEarned, debt] = running;
    const fromLedger = { available, frozen, lifetimeEarned, debt };
    expect(await storedAccount(userId)).toEqual(ledger.length === 0 ? undefined : fromLedger);
    expect(await balanceOf(userId)).toEqual(fromLedger);
  }

  async function orderPointsOf(orderId: string): Promise<{ status: string; points: number; earned: number; reason: string | null } | undefined> {
    const [row] = await home.query<Record<string, string | number | null>>(
      `SELECT status, points, earned, reason FROM points_order WHERE order_id = ${home.param(1)}`,
      [orderId],
    );
    return row && { status: String(row['status']), points: Number(row['points']), earned: Number(row['earned']), reason: row['reason'] as string | null };
  }

  /** Places the order and expects its points reserved. */
  async function reserve(order: Order): Promise<void> {
    await deliver(placed(order));
    const answer = await theAnswerTo(order.orderId);
    expect([answer.type, answer.payload.points]).toEqual([PointsReservedV1.type, order.pointsToUse]);
  }

  /** How often the consumer's handler failed on an event type so far (`shop_messages_failed_total` on /metrics). */
  async function failures(type: string, handler: string): Promise<number> {
    return metricValue(await api.metrics(), 'shop_messages_failed_total', { type, handler }) ?? 0;
  }

  /** The lines logged at `level` about the order since the test began. */
  const loggedAbout = (orderId: string, level: 'warn' | 'error', from: number): LogLine[] =>
    log.lines.slice(from).filter((line) => line.level === level && line['orderId'] === orderId);

  // ---------------------------------------------------------------- the sign-up bonus

  describe('user.registered.v1', () => {
    it('grants the sign-up bonus of 100 once, however often the registration comes; no answer is sent', async () => {
      const userId = aUser();
      await deliverTwice(registered(userId));
      expect(await ledgerOf(userId)).toEqual([{ kind: 'BONUS', key: `BONUS:${userId}`, orderId: null, delta: [100, 0, 100, 0], after: [100, 0, 100, 0] }]);
      expect(await balanceOf(userId)).toEqual({ available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 });
      await expectNoAnswerTo(userId);
    });
  });

  // ---------------------------------------------------------------- the saga

  describe('try: order.placed.v1 with points', () => {
    it('freezes the points the order uses and answers points.reserved.v1, once', async () => {
      const userId = await aUserWith(100);
      const order = anOrder(userId, 60);

      await deliverTwice(placed(order));

      const answer = await theAnswerTo(order.orderId);
      expect(answer).toMatchObject({ type: PointsReservedV1.type, source: 'points', aggregateId: order.orderId });
      expect(answer.payload).toEqual({ orderId: order.orderId, userId, points: 60, reservedAt: expect.any(String) });
      expect(await entriesOf(userId)).toEqual([
        ['BONUS', 100, 0, 0],
        ['FREEZE', -60, 60, 0],
      ]);
      expect(await balanceOf(userId)).toEqual({ available: 40, frozen: 60, lifetimeEarned: 100, debt: 0 });
      expect(await orderPointsOf(order.orderId)).toEqual({ status: 'RESERVED', points: 60, earned: 0, reason: null });
    });

    it('rejects an order wanting more than is available: points.reservation-rejected.v1 INSUFFICIENT_POINTS, once, nothing frozen', async () => {
      const userId = await aUserWith(100);
      const order = anOrder(userId, 101);

      await deliverTwice(placed(order));

      const answer = await theAnswerTo(order.orderId);
      expect(answer.type).toBe(PointsReservationRejectedV1.type);
      expect(answer.payload).toEqual({ orderId: order.orderId, userId, points: 101, reason: 'INSUFFICIENT_POINTS', rejectedAt: expect.any(String) });
      expect(await entriesOf(userId)).toEqual([['BONUS', 100, 0, 0]]);
      expect(await orderPointsOf(order.orderId)).toMatchObject({ status: 'REJECTED', reason: 'INSUFFICIENT_POINTS' });
      // The whole balance is still there for the next order.
      await reserve(anOrder(userId, 100));
    });

    it('rejects INSUFFICIENT_POINTS for a user who has no points at all, and opens no account for them', async () => {
      const userId = aUser();
      const order = anOrder(userId, 1);
      await deliverTwice(placed(order));
      expect((await theAnswerTo(order.orderId)).payload).toMatchObject({ reason: 'INSUFFICIENT_POINTS', points: 1 });
      expect(await storedAccount(userId)).toBeUndefined();
    });

    it('answers nothing and writes nothing for an order that uses no points, placed or cancelled', async () => {
      const userId = await aUserWith(100);
      const order = anOrder(userId, 0);
      await deliverTwice(placed(order));
      await deliverTwice(cancelled(order));
      await expectNoAnswerTo(order.orderId);
      expect(await orderPointsOf(order.orderId)).toBeUndefined();
      expect(await entriesOf(userId)).toEqual([['BONUS', 100, 0, 0]]);
    });
  });

  describe('cancel: order.cancelled.v1', () => {
    it('releases the frozen points (RELEASE), once; no answer is sent', async () => {
      const userId = await aUserWith(100);
      const order = anOrder(userId, 70);
      await reserve(order);

      await deliverTwice(cancelled(order));

      expect(await entriesOf(userId)).toEqual([
        ['BONUS', 100, 0, 0],
        ['FREEZE', -70, 70, 0],
        ['RELEASE', 70, -70, 0],
      ]);
      expect(await balanceOf(userId)).toEqual({ available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 });
      expect(await orderPointsOf(order.orderId)).toMatchObject({ status: 'RELEASED' });
      expect(await home.count('outbox', `aggregate_id = ${home.param(1)}`, [order.orderId])).toBe(1); // the reservation's answer only
    });

    it('records a tombstone for an order never seen; its placement arriving later is rejected ORDER_CANCELLED and freezes nothing', async () => {
      const userId = await aUserWith(100);
      const order = anOrder(userId, 50);

      await deliverTwice(cancelled(order));
      expect(await orderPointsOf(order.orderId)).toMatchObject({ status: 'CANCELLED_UNSEEN' });
      await expectNoAnswerTo(order.orderId);

      await deliverTwice(placed(order));

      const answer = await theAnswerTo(order.orderId);
      expect(answer.type).toBe(PointsReservationRejectedV1.type);
      expect(answer.payload).toEqual({ orderId: order.orderId, userId, points: 50, reason: 'ORDER_CANCELLED', rejectedAt: expect.any(String) });
      expect(await orderPointsOf(order.orderId)).toMatchObject({ status: 'REJECTED', reason: 'ORDER_CANCELLED' });
      expect(await entriesOf(userId)).toEqual([['BONUS', 100, 0, 0]]);
      expect(await balanceOf(userId)).toMatchObject({ available: 100, frozen: 0 });
    });

    it('releases nothing for a rejected reservation', async () => {
      const userId = await aUserWith(100);
      const order = anOrder(userId, 500);
      await deliver(placed(order));
      expect((await theAnswerTo(order.orderId)).payload).toMatchObject({ reason: 'INSUFFICIENT_POINTS' });

      await deliverTwice(cancelled(order));

      expect(await entriesOf(userId)).toEqual([['BONUS', 100, 0, 0]]);
      expect(await orderPointsOf(order.orderId)).toMatchObject({ status: 'REJECTED' });
    });
  });

  describe('cancel: whatever the cancellation says', () => {
    it('releases the points frozen for an order whose cancellation says it used none (the order is looked up all the same)', async () => {
      const userId = await aUserWith(100);
      const order = anOrder(userId, 70);
      await reserve(order);

      await deliverTwice(cancelled({ ...order, pointsToUse: 0 }));

      expect(await entriesOf(userId)).toEqual([
        ['BONUS', 100, 0, 0],
        ['FREEZE', -70, 70, 0],
        ['RELEASE', 70, -70, 0],
      ]);
      expect(await balanceOf(userId)).toEqual({ available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 });
      expect(await orderPointsOf(order.orderId)).toMatchObject({ status: 'RELEASED' });
    });

    it('releases nothing for a paid order (past cancelling): the sides disagree, logged at error, nothing retried', async () => {
      const userId = await aUserWith(100);
      const order = anOrder(userId, 70, 1_000);
      await reserve(order);
      await deliver(paid(order));
      const [entries, linesBefore] = [await entriesOf(userId), log.lines.length];

      await deliverTwice(cancelled(order));

      expect(await entriesOf(userId)).toEqual(entries);
      expect(await orderPointsOf(order.orderId)).toMatchObject({ status: 'PAID', points: 70 });
      expect(loggedAbout(order.orderId, 'error', linesBefore)).toEqual([
        expect.objectContaining({ msg: expect.stringMatching(/spent already/), status: 'PAID', reservedFor: userId, reservedPoints: 70 }),
        expect.objectContaining({ msg: expect.stringMatching(/spent already/), status: 'PAID' }),
      ]);
    });
  });

  describe('confirm: order.paid.v1', () => {
    it('spends the frozen points (SPEND) and earns one point per full yuan paid (EARN), once', async () => {
      const userId = await aUserWith(100);
      const order = anOrder(userId, 80, 12_399); // 123.99 yuan: 123 points
      await reserve(order);

      await deliverTwice(paid(order));

      expect(await entriesOf(userId)).toEqual([
        ['BONUS', 100, 0, 0],
        ['FREEZE', -80, 80, 0],
        ['SPEND', 0, -80, 0],
        ['EARN', 123, 0, 0],
      ]);
      expect(await balanceOf(userId)).toEqual({ available: 143, frozen: 0, lifetimeEarned: 223, debt: 0 });
      expect(await orderPointsOf(order.orderId)).toEqual({ status: 'PAID', points: 80, earned: 123, reason: null });
      expect(await home.count('outbox', `aggregate_id = ${home.param(1)}`, [order.orderId])).toBe(1); // the reservation's answer only
    });

    it('earns for an order that used no points, once; a payment under 1 yuan earns nothing', async () => {
      const userId = await aUserWith(100);
      await deliverTwice(paid(anOrder(userId, 0, 25_050)));
      await deliverTwice(paid(anOrder(userId, 0, 99)));
      expect(await entriesOf(userId)).toEqual([
        ['BONUS', 100, 0, 0],
        ['EARN', 250, 0, 0],
      ]);
      expect(await balanceOf(userId)).toEqual({ available: 350, frozen: 0, lifetimeEarned: 350, debt: 0 });
    });

    it('retries a payment that overtook its placement until the placement is in, then applies both', async () => {
      const userId = await aUserWith(100);
      const order = anOrder(userId, 30, 5_000);
      const failedBefore = await failures(OrderPaidV1.type, 'confirm-points-on-order-paid');
      const payment = paid(order);

      const linesBefore = log.lines.length;

      await home.publish(payment);
      await waitFor(async () => (await failures(OrderPaidV1.type, 'confirm-points-on-order-paid')) > failedBefore, {
        timeoutMs: 60_000,
        what: 'the early payment to fail',
      });
      expect(await home.handled(payment.id)).toBe(false);
      expect(await entriesOf(userId)).toEqual([['BONUS', 100, 0, 0]]);
      // It failed because it was early, and said so once as the consumer's failure (not also by the points consumer).
      const failed = log.lines.slice(linesBefore).filter((line) => line['messageId'] === payment.id && line.msg === 'handler failed');
      expect(failed[0]).toMatchObject({
        level: 'warn',
        handler: 'confirm-points-on-order-paid',
        err: { type: 'SagaStepOutOfOrderError', message: `order.paid.v1 of order ${order.orderId} arrived before its order.placed.v1 was seen; retry later` },
      });
      expect(log.lines.slice(linesBefore).filter((line) => line['err'] === undefined && line['orderId'] === order.orderId)).toEqual([]);

      await reserve(order);
      await waitFor(() => home.handled(payment.id), { timeoutMs: 60_000, what: 'the payment redelivered and handled' });

      expect(await entriesOf(userId)).toEqual([
        ['BONUS', 100, 0, 0],
        ['FREEZE', -30, 30, 0],
        ['SPEND', 0, -30, 0],
        ['EARN', 50, 0, 0],
      ]);
      expect(await orderPointsOf(order.orderId)).toMatchObject({ status: 'PAID', points: 30, earned: 50 });
    });

    it('spends and earns nothing for an order whose points were rejected (the sides disagree: logged, not retried)', async () => {
      const userId = await aUserWith(100);
      const order = anOrder(userId, 400);
      await deliver(placed(order));
      expect((await theAnswerTo(order.orderId)).payload).toMatchObject({ reason: 'INSUFFICIENT_POINTS' });

      await deliverTwice(paid(order));

      expect(await entriesOf(userId)).toEqual([['BONUS', 100, 0, 0]]);
      expect(await orderPointsOf(order.orderId)).toMatchObject({ status: 'REJECTED' });
    });
  });

  describe('confirm: a payment that disagrees with the reservation', () => {
    it('spends and earns nothing for a payment naming other points than reserved: logged at error with both, the points still frozen until the order ends', async () => {
      const userId = await aUserWith(100);
      const order = anOrder(userId, 60, 5_000);
      await reserve(order);
      const linesBefore = log.lines.length;

      await deliverTwice(paid({ ...order, pointsToUse: 50 }));

      expect(await entriesOf(userId)).toEqual([
        ['BONUS', 100, 0, 0],
        ['FREEZE', -60, 60, 0],
      ]);
      expect(await orderPointsOf(order.orderId)).toMatchObject({ status: 'RESERVED', points: 60 });
      expect(loggedAbout(order.orderId, 'error', linesBefore)[0]).toMatchObject({
        msg: expect.stringMatching(/disagree/),
        userId,
        pointsToUse: 50,
        reservedFor: userId,
        reservedPoints: 60,
        problem: expect.stringMatching(/decided for user .* with 60/),
      });

      // Its cancellation still gives the points back.
      await deliver(cancelled(order));
      expect(await balanceOf(userId)).toMatchObject({ available: 100, frozen: 0 });
    });
  });

  describe('refund: order.refunded.v1', () => {
    it('returns the spent points (REFUND) and claws back the earned ones (CLAWBACK), once', async () => {
      const userId = await aUserWith(100);
      const order = anOrder(userId, 80, 12_000);
      await reserve(order);
      await deliver(paid(order));

      await deliverTwice(refunded(order));

      expect(await entriesOf(userId)).toEqual([
        ['BONUS', 100, 0, 0],
        ['FREEZE', -80, 80, 0],
        ['SPEND', 0, -80, 0],
        ['EARN', 120, 0, 0],
        ['REFUND', 80, 0, 0],
        ['CLAWBACK', -120, 0, 0],
      ]);
      expect(await balanceOf(userId)).toEqual({ available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 });
      expect(await orderPointsOf(order.orderId)).toMatchObject({ status: 'REFUNDED' });
    });

    it('owes what was spent elsewhere meanwhile (DEBT, shown in GET /me/points), settled from later earnings (DEBT_SETTLED)', async () => {
      const userId = await aUserWith(100);
      const earner = anOrder(userId, 0, 50_000); // earns 500
      await deliver(paid(earner));
      const spender = anOrder(userId, 550, 0); // all but 50 of the 600 spent on another order
      await reserve(spender);
      await deliver(paid(spender));
      expect(await balanceOf(userId)).toEqual({ available: 50, frozen: 0, lifetimeEarned: 600, debt: 0 });

      await deliverTwice(refunded(earner));

      // 50 of the 500 earned could be clawed back; 450 are owed.
      expect((await entriesOf(userId)).slice(-2)).toEqual([
        ['CLAWBACK', -50, 0, 0],
        ['DEBT', 0, 0, 450],
      ]);
      expect(await balanceOf(userId)).toEqual({ available: 0, frozen: 0, lifetimeEarned: 100, debt: 450 });

      await deliver(paid(anOrder(userId, 0, 30_000))); // earns 300: all of it pays the debt
      expect((await entriesOf(userId)).slice(-2)).toEqual([
        ['EARN', 300, 0, 0],
        ['DEBT_SETTLED', -300, 0, -300],
      ]);
      expect(await balanceOf(userId)).toEqual({ available: 0, frozen: 0, lifetimeEarned: 400, debt: 150 });

      await deliver(paid(anOrder(userId, 0, 20_000))); // earns 200: 150 settle the rest, 50 are the user's
      expect((await entriesOf(userId)).slice(-2)).toEqual([
        ['EARN', 200, 0, 0],
        ['DEBT_SETTLED', -150, 0, -150],
      ]);
      expect(await balanceOf(userId)).toEqual({ available: 50, frozen: 0, lifetimeEarned: 600, debt: 0 });
    });

    it('returns nothing for an order that was never paid (its points were released)', async () => {
      const userId = await aUserWith(100);
      const order = anOrder(userId, 40);
      await reserve(order);
      await deliver(cancelled(order));

      await deliverTwice(refunded(order));

      expect(await entriesOf(userId)).toEqual([
        ['BONUS', 100, 0, 0],
        ['FREEZE', -40, 40, 0],
        ['RELEASE', 40, -40, 0],
      ]);
      expect(await orderPointsOf(order.orderId)).toMatchObject({ status: 'RELEASED' });
    });
  });
});
