// One customer's orders racing for the same points: placements published at once, handled by two
// points-service instances sharing one PostgreSQL database and one RabbitMQ virtual host (each with its
// own pool and consumer), and by the one embedded instance on SQLite. The database alone decides: each
// placement freezes under the account's row lock, so never more is frozen than the balance, and
// `available` never goes below zero, whichever instance handles which placement.
import { randomUUID } from 'node:crypto';
import { OrderCancelledV1, OrderPlacedV1, PointsReservationRejectedV1, PointsReservedV1, UserRegisteredV1, type EventEnvelope } from '@shop/contracts';
import { Cleanups, capturingLogger, metricValue, waitFor, type EventProbe } from '@shop/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PointsServiceHome, envelopeOf, type RunningPointsService, type Setup } from './support/points-service-harness.js';

type Answer = PointsReservedV1 | PointsReservationRejectedV1;

const SIGNUP_BONUS = 100;

/** A deployment with its instances and the order side's ear on the answers. */
interface Deployment {
  readonly home: PointsServiceHome;
  readonly instances: RunningPointsService[];
  readonly answers: EventProbe<Answer>;
  /** What the instances logged at warn and above: said when a wait times out. */
  readonly warnings: () => string[];
}

async function deploy(setup: Setup, instanceCount: number, cleanups: Cleanups): Promise<Deployment> {
  const home = await PointsServiceHome.create(setup, cleanups);
  const logs = Array.from({ length: instanceCount }, (_, i) => capturingLogger({ service: `points-${i}`, level: 'warn' }));
  const instances: RunningPointsService[] = [];
  for (const { logger } of logs) instances.push(await home.start(undefined, { logger }));
  const answers = await home.listen<Answer>([PointsReservedV1.type, PointsReservationRejectedV1.type]);
  const warnings = () => logs.flatMap(({ lines }) => lines.map((line) => JSON.stringify(line)));
  return { home, instances, answers, warnings };
}

const now = () => new Date().toISOString();

const registered = (userId: string) =>
  envelopeOf(
    UserRegisteredV1,
    { userId, email: `${userId.slice(0, 8)}@example.com`, nickname: null, registeredAt: now() },
    { aggregateId: userId, source: 'user' },
  );
const placed = (orderId: string, userId: string, pointsToUse: number) =>
  envelopeOf(
    OrderPlacedV1,
    {
      orderId,
      userId,
      items: [{ sku: 'TEA-01', quantity: 1, unitPrice: 5_000, lineTotal: 5_000 }],
      subtotal: 5_000,
      couponId: null,
      pointsToUse,
      placedAt: now(),
    },
    { aggregateId: orderId, source: 'order' },
  );
const cancelled = (orderId: string, userId: string, pointsToUse: number) =>
  envelopeOf(
    OrderCancelledV1,
    { orderId, userId, couponId: null, pointsToUse, reason: 'CUSTOMER_CANCELLED', cancelledAt: now() },
    { aggregateId: orderId, source: 'order' },
  );

/** Publishes every envelope in one batch (as good as "at once" for the consumers) and waits until each is handled. */
async function deliverAtOnce({ home, warnings }: Deployment, envelopes: readonly EventEnvelope[]): Promise<void> {
  await home.deliver(...envelopes).catch((error: Error) => {
    throw new Error(`${error.message}; the service warned:\n${warnings().slice(-20).join('\n')}`);
  });
}

/** The one answer each order got, received by the order side: `orderId → type (and reason)`. */
async function answersTo({ home, answers }: Deployment, orderIds: readonly string[]): Promise<Map<string, string>> {
  const outboxRows = await home.count('outbox', `aggregate_id IN (${orderIds.map((_, i) => home.param(i + 1)).join(', ')})`, [...orderIds]);
  expect(outboxRows).toBe(orderIds.length);
  const received = await waitFor(() => new Set(answers.about(orderIds).map((event) => event.aggregateId)).size === orderIds.length && answers.about(orderIds), {
    timeoutMs: 60_000,
    what: `answers to ${orderIds.length} orders`,
  });
  // Distinct ids are distinct answers (a relay's repeat carries the same id): one per order.
  expect(new Set(received.map((event) => event.id)).size).toBe(orderIds.length);
  return new Map(
    received.map((event) => [
      event.aggregateId,
      event.type === PointsReservedV1.type ? 'reserved' : `rejected ${(event.payload as PointsReservationRejectedV1).reason}`,
    ]),
  );
}

interface AccountState {
  readonly available: number;
  readonly frozen: number;
  /** Each ledger entry's available after it, oldest first. */
  readonly availableAfterEach: number[];
  /** The ledger's sums equal the stored balances. */
  readonly agreesWithLedger: boolean;
}

async function accountState({ home }: Deployment, userId: string): Promise<AccountState> {
  const [account] = await home.query<Record<string, string | number>>(
    `SELECT available, frozen, lifetime_earned, debt FROM points_account WHERE user_id = ${home.param(1)}`,
    [userId],
  );
  const ledger = await home.query<Record<string, string | number>>(
    `SELECT delta_available, delta_frozen, delta_earned, delta_debt, available_after FROM points_ledger WHERE user_id = ${home.param(1)} ORDER BY seq`,
    [userId],
  );
  const sum = (column: string) => ledger.reduce((total, row) => total + Number(row[column]), 0);
  return {
    available: Number(account!['available']),
    frozen: Number(account!['frozen']),
    availableAfterEach: ledger.map((row) => Number(row['available_after'])),
    agreesWithLedger:
      sum('delta_available') === Number(account!['available']) &&
      sum('delta_frozen') === Number(account!['frozen']) &&
      sum('delta_earned') === Number(account!['lifetime_earned']) &&
      sum('delta_debt') === Number(account!['debt']),
  };
}

/** How many placements an instance's consumer has handled (`shop_messages_handled_total` on its /metrics). */
async function placementsHandledBy(instance: RunningPointsService): Promise<number> {
  const labels = { type: OrderPlacedV1.type, handler: 'reserve-points-on-order-placed' };
  return metricValue(await instance.api.metrics(), 'shop_messages_handled_total', labels) ?? 0;
}

/** Whether every instance's consumer has handled placements. */
async function eachInstanceTookPlacements({ instances }: Deployment): Promise<boolean> {
  return (await Promise.all(instances.map(placementsHandledBy))).every((handled) => handled > 0);
}

describe('two order.placed.v1 of one user, each wanting the whole balance, through two instances on one PostgreSQL database', () => {
  const cleanups = new Cleanups();
  let deployment: Deployment;

  beforeAll(async () => {
    deployment = await deploy('postgres+amqp', 2, cleanups);
  }, 120_000);
  afterAll(() => cleanups.run());

  it('reserve exactly one and reject the other INSUFFICIENT_POINTS, round after round (the winner released in between)', async () => {
    const userId = randomUUID();
    await deliverAtOnce(deployment, [registered(userId)]);

    // Six rounds, and more (at most 30 in all) until each instance has taken placements: which consumer
    // RabbitMQ hands a message to is its choice, so two at once may both go to one of them now and then.
    for (let round = 1; round <= 6 || (round <= 30 && !(await eachInstanceTookPlacements(deployment))); round++) {
      const orderIds = [randomUUID(), randomUUID()];
      await deliverAtOnce(
        deployment,
        orderIds.map((orderId) => placed(orderId, userId, SIGNUP_BONUS)),
      );

      const answers = await answersTo(deployment, orderIds);
      expect([...answers.values()].sort()).toEqual(['rejected INSUFFICIENT_POINTS', 'reserved']);
      const state = await accountState(deployment, userId);
      expect({ round, available: state.available, frozen: state.frozen, agreesWithLedger: state.agreesWithLedger }).toEqual({
        round,
        available: 0,
        frozen: SIGNUP_BONUS,
        agreesWithLedger: true,
      });
      expect(Math.min(...state.availableAfterEach)).toBe(0);

      // The winner's order is cancelled: the whole balance is available again for the next round.
      const winner = orderIds.find((orderId) => answers.get(orderId) === 'reserved')!;
      await deliverAtOnce(deployment, [cancelled(winner, userId, SIGNUP_BONUS)]);
      expect(await accountState(deployment, userId)).toMatchObject({ available: SIGNUP_BONUS, frozen: 0, agreesWithLedger: true });
    }

    // The race ran across the instances, not inside one: each consumer took placements.
    for (const instance of deployment.instances) expect(await placementsHandledBy(instance)).toBeGreaterThan(0);
  }, 300_000);
});

describe('many orders of one user at once', () => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  const cases: Array<[Setup, number]> = [
    ['postgres+amqp', 2],
    ['sqlite+memory', 1],
  ];

  it.each(cases)(
    'on %s with %i instance(s): 20 orders of 10 points on a balance of 100 → exactly 10 reserved, 10 rejected, available never below 0',
    async (setup, instanceCount) => {
      const deployment = await deploy(setup, instanceCount, cleanups);
      const userId = randomUUID();
      await deliverAtOnce(deployment, [registered(userId)]);
      const orderIds = Array.from({ length: 20 }, () => randomUUID());

      await deliverAtOnce(
        deployment,
        orderIds.map((orderId) => placed(orderId, userId, 10)),
      );

      const answers = [...(await answersTo(deployment, orderIds)).values()];
      expect(answers.filter((answer) => answer === 'reserved')).toHaveLength(10);
      expect(answers.filter((answer) => answer === 'rejected INSUFFICIENT_POINTS')).toHaveLength(10);
      const state = await accountState(deployment, userId);
      expect(state).toMatchObject({ available: 0, frozen: 100, agreesWithLedger: true });
      // BONUS, then ten FREEZEs taking 10 each: 100, 90, …, 0.
      expect(state.availableAfterEach).toEqual([100, 90, 80, 70, 60, 50, 40, 30, 20, 10, 0]);
      const frozenFor = await deployment.home.query<{ status: string; n: string | number }>(
        `SELECT status, COUNT(*) AS n FROM points_order WHERE user_id = ${deployment.home.param(1)} GROUP BY status ORDER BY status`,
        [userId],
      );
      expect(frozenFor.map((row) => [row.status, Number(row.n)])).toEqual([
        ['REJECTED', 10],
        ['RESERVED', 10],
      ]);
    },
    300_000,
  );
});
