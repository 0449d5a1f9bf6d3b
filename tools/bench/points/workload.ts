import { randomInt, randomUUID } from 'node:crypto';
import { OrderPaidV1, OrderPlacedV1, UserRegisteredV1, type EventEnvelope } from '@shop/contracts';

/** The most points one order asks for (the brief's 1–20). */
const MAX_POINTS_PER_ORDER = 20;

/** One order of the run: what it asks of the points context, and what its payment earns. */
export interface BenchOrder {
  readonly orderId: string;
  readonly userId: string;
  readonly pointsToUse: number;
  readonly subtotal: number;
  /** subtotal − pointsToUse (1 point = 1 fen off). */
  readonly amountPaid: number;
}

export interface Workload {
  readonly userIds: readonly string[];
  readonly orders: readonly BenchOrder[];
  /** What each account must hold at the end: the bonus − the points spent + the points earned (1 per full yuan paid). */
  readonly expectedAvailable: ReadonlyMap<string, number>;
}

/**
 * `users` new users and `orders` orders spread over them in turn (order i goes to user i mod users: one
 * user's orders are `users` apart in the stream, so several of them are in flight together only on a
 * small run). Each asks 1..max points, max = min(20, bonus ÷ the orders a user places): a user's orders
 * never ask more than the bonus, so every one is reserved and the counts to expect are exact.
 */
export function workload(users: number, orders: number, signupBonus: number): Workload {
  const perUser = Math.ceil(orders / users);
  const maxPoints = Math.min(MAX_POINTS_PER_ORDER, Math.floor(signupBonus / perUser));
  if (maxPoints < 1) throw new Error(`${perUser} orders per user cannot each use a point of a ${signupBonus}-point bonus: raise BENCH_USERS`);
  const userIds = Array.from({ length: users }, () => randomUUID());
  const expectedAvailable = new Map(userIds.map((userId) => [userId, signupBonus]));
  const list = Array.from({ length: orders }, (_, index): BenchOrder => {
    const userId = userIds[index % users]!;
    const pointsToUse = randomInt(1, maxPoints + 1);
    const subtotal = randomInt(1_000, 50_001);
    const amountPaid = subtotal - pointsToUse;
    expectedAvailable.set(userId, expectedAvailable.get(userId)! - pointsToUse + Math.floor(amountPaid / 100));
    return { orderId: randomUUID(), userId, pointsToUse, subtotal, amountPaid };
  });
  return { userIds, orders: list, expectedAvailable };
}

/** An envelope as the relay of the context named `source` sends it (one aggregate per order or user). */
function envelope<P>(type: string, source: string, aggregateId: string, payload: P, causationId: string | null = null): EventEnvelope<P> {
  const id = randomUUID();
  return { id, type, occurredAt: new Date().toISOString(), source, aggregateId, correlationId: aggregateId, causationId, payload };
}

export const userRegistered = (userId: string): EventEnvelope<UserRegisteredV1> =>
  envelope(UserRegisteredV1.type, 'user', userId, {
    userId,
    email: `points-bench-${userId}@example.com`,
    nickname: null,
    registeredAt: new Date().toISOString(),
  });

export const orderPlaced = (order: BenchOrder): EventEnvelope<OrderPlacedV1> =>
  envelope(OrderPlacedV1.type, 'order', order.orderId, {
    orderId: order.orderId,
    userId: order.userId,
    items: [{ sku: 'BENCH-SKU', quantity: 1, unitPrice: order.subtotal, lineTotal: order.subtotal }],
    subtotal: order.subtotal,
    couponId: null,
    pointsToUse: order.pointsToUse,
    placedAt: new Date().toISOString(),
  });

export const orderPaid = (order: BenchOrder, placed: EventEnvelope<OrderPlacedV1>): EventEnvelope<OrderPaidV1> =>
  envelope(
    OrderPaidV1.type,
    'order',
    order.orderId,
    {
      orderId: order.orderId,
      userId: order.userId,
      couponId: null,
      pointsToUse: order.pointsToUse,
      amountPaid: order.amountPaid,
      paidAt: new Date().toISOString(),
    },
    placed.id,
  );
