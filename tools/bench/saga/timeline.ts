import pg from 'pg';
import type { ContextDatabases } from './invariants.js';
import type { OrderTrace } from './job.js';

/** An instant as a service stored it: epoch ms (BIGINT, as the contexts keep times), or a timestamp. */
const epochMs = (value: unknown): number | undefined =>
  value === null || value === undefined ? undefined : value instanceof Date ? value.getTime() : Number(value);

async function rows<R>(databaseUrl: string, sql: string, parameters: unknown[]): Promise<R[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, parameters)).rows as R[];
  } finally {
    await client.end();
  }
}

/**
 * Where an order's time went between the services, from what they stored (the order's history, the
 * payment's row) and the client's own instants, all on this machine's clock: each segment's durations,
 * in ms, for the orders that have it.
 */
export async function serverTimeline(databases: ContextDatabases, orders: readonly OrderTrace[]): Promise<Array<readonly [string, number[]]>> {
  const orderIds = orders.map((order) => order.orderId);
  const history = await rows<{ order_id: string; status: string; at: unknown }>(
    databases.order,
    `SELECT order_id, status, at FROM order_history WHERE order_id = ANY($1::uuid[]) AND status IN ('PENDING', 'AWAITING_PAYMENT', 'PAID')`,
    [orderIds],
  );
  const payments = await rows<{ order_id: string; created_at: unknown; settled_at: unknown }>(
    databases.payment,
    `SELECT order_id, created_at, settled_at FROM payment WHERE order_id = ANY($1::uuid[]) AND status = 'SUCCEEDED'`,
    [orderIds],
  );
  const at = new Map<string, Map<string, number>>();
  for (const row of history) {
    const statuses = at.get(row.order_id) ?? new Map<string, number>();
    statuses.set(row.status, epochMs(row.at)!);
    at.set(row.order_id, statuses);
  }
  const paymentOf = new Map(payments.map((row) => [row.order_id, { createdAt: epochMs(row.created_at), settledAt: epochMs(row.settled_at) }]));

  const segments: Array<[string, number[]]> = [
    ['POST /orders sent → order stored', []],
    ['placed → AWAITING_PAYMENT (coupon/points reserved)', []],
    ['AWAITING_PAYMENT → seen by the client', []],
    ['AWAITING_PAYMENT seen → payment stored', []],
    ['simulate answered → payment SUCCEEDED (callback)', []],
    ['SUCCEEDED → order PAID (outbox, broker, order)', []],
    ['order PAID → seen by the client', []],
  ];
  const add = (index: number, from: number | undefined, to: number | undefined) => {
    if (from !== undefined && to !== undefined) segments[index]![1].push(to - from);
  };
  for (const order of orders) {
    const statuses = at.get(order.orderId);
    const payment = paymentOf.get(order.orderId);
    const placed = statuses?.get('PENDING') ?? statuses?.get('AWAITING_PAYMENT');
    add(0, order.sentAt, placed);
    if (statuses?.has('PENDING')) add(1, statuses.get('PENDING'), statuses.get('AWAITING_PAYMENT'));
    add(2, statuses?.get('AWAITING_PAYMENT'), order.awaitingSeenAt);
    add(3, order.awaitingSeenAt, payment?.createdAt);
    add(4, order.simulatedAt, payment?.settledAt);
    add(5, payment?.settledAt, statuses?.get('PAID'));
    add(6, statuses?.get('PAID'), order.paidSeenAt);
  }
  return segments;
}
