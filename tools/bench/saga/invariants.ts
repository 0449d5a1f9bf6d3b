import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';

const exec = promisify(execFile);

/** An order the client took to PAID, as it placed it and as the order service answered at the end. */
export interface PaidOrder {
  readonly orderId: string;
  readonly userId: string;
  readonly couponId: string | undefined;
  readonly pointsToUse: number;
  readonly payable: number;
  readonly paymentId: string;
}

export interface Expectation {
  /** Every account of the run (the customers and the admin, registered as any other): each has its sign-up bonus. */
  readonly userIds: readonly string[];
  readonly bonus: number;
  /** The orders taken to PAID; every other order the bench placed (`failedOrderIds`) counts against the run. */
  readonly paid: readonly PaidOrder[];
  readonly failedOrderIds: readonly string[];
  /** Payment attempts answered 201 FAILED (the provider failed or was too slow); the client started another each time. */
  readonly failedAttempts: number;
}

/** The database URL of each context's service. */
export type ContextDatabases = Readonly<Record<'user' | 'order' | 'coupon' | 'points' | 'payment', string>>;

async function rows<R>(databaseUrl: string, sql: string, parameters: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, parameters)).rows as R[];
  } finally {
    await client.end();
  }
}

const n = (value: string | number | null): number => Number(value);

/** Every queue of the virtual host with the messages it holds (ready or unacknowledged), from `rabbitmqctl`. */
export async function queueDepths(vhost: string): Promise<Map<string, number>> {
  const { stdout } = await exec('rabbitmqctl', ['list_queues', '-q', '-p', vhost, 'name', 'messages', '--formatter', 'json'], { timeout: 60_000 });
  const queues = JSON.parse(stdout) as Array<{ name: string; messages: number | string }>;
  return new Map(queues.map((queue) => [queue.name, Number(queue.messages)]));
}

/**
 * The saga's invariants, straight in the services' databases and on the broker, once the run is over:
 *
 * - order: every order placed is PAID (none PENDING, AWAITING_PAYMENT or CANCELLED), its payable = subtotal −
 *   coupon discount − points, and exactly one payment recorded for it, captured, that amount, not refunded;
 * - payment: per paid order exactly one payment, SUCCEEDED, the order's payable, the one the order recorded;
 *   no payment in any other status (nothing PENDING) but the FAILED attempts the client was answered; the
 *   projection of every order PAID; the sandbox's charges as many SUCCEEDED as SUCCEEDED payments, none PENDING;
 * - coupon: coupons USED = paid orders that used one, each the coupon of its order; nothing LOCKED; a
 *   CONFIRMED reservation per such order and no other status;
 * - points: every account is the sums of its ledger, none negative, nothing frozen, no debt; each account's
 *   available points = the bonus − the points its orders used + what their payments earned (1 per full yuan);
 *   one BONUS per user, one EARN per paid order of exactly that, one FREEZE and SPEND per order that used
 *   points, no other kind; every points order PAID;
 * - messaging: in every service's database no outbox row unsent or dead, no dead letter or retry row; on the
 *   broker no message left in any queue of the run's virtual host (its dead-letter queues included).
 *
 * Returns the problems found, none when the run is sound.
 */
export async function checkInvariants(databases: ContextDatabases, vhost: string, expected: Expectation): Promise<string[]> {
  const problems: string[] = [];
  const report = (count: number, what: string, examples: readonly string[] = []) => {
    if (count > 0) problems.push(`${count} ${what}${examples.length > 0 ? ` (e.g. ${examples.slice(0, 3).join(', ')})` : ''}`);
  };
  const paidById = new Map(expected.paid.map((order) => [order.orderId, order]));

  // The order service.
  const orders = await rows<{
    order_id: string;
    user_id: string;
    status: string;
    subtotal: string;
    coupon_id: string | null;
    coupon_discount: string;
    points_to_use: string;
    payable: string | null;
  }>(databases.order, 'SELECT order_id, user_id, status, subtotal, coupon_id, coupon_discount, points_to_use, payable FROM orders');
  const statuses = new Map<string, number>();
  for (const order of orders) statuses.set(order.status, (statuses.get(order.status) ?? 0) + 1);
  for (const [status, count] of statuses) if (status !== 'PAID') report(count, `orders ${status} in the order database`);
  const placed = expected.paid.length + expected.failedOrderIds.length;
  if (orders.length !== placed) problems.push(`${orders.length} orders in the order database, the bench placed ${placed}`);
  const orderById = new Map(orders.map((order) => [order.order_id, order]));
  const missing = expected.paid.filter((order) => !orderById.has(order.orderId)).map((order) => order.orderId);
  report(missing.length, 'paid orders missing from the order database', missing);
  const badPayable = orders.filter((o) => o.payable === null || n(o.payable) !== n(o.subtotal) - n(o.coupon_discount) - n(o.points_to_use));
  report(
    badPayable.length,
    'orders whose payable is not subtotal − coupon discount − points',
    badPayable.map((o) => o.order_id),
  );
  const differing = expected.paid.filter((paid) => {
    const order = orderById.get(paid.orderId);
    return order && (n(order.payable) !== paid.payable || (order.coupon_id ?? undefined) !== paid.couponId || n(order.points_to_use) !== paid.pointsToUse);
  });
  report(
    differing.length,
    'orders stored otherwise than the client placed and saw them',
    differing.map((o) => o.orderId),
  );
  const orderPayments = await rows<{ payment_id: string; order_id: string; amount: string; captured: boolean; refund_status: string }>(
    databases.order,
    'SELECT payment_id, order_id, amount, captured, refund_status FROM order_payment',
  );
  const recorded = new Map<string, Array<(typeof orderPayments)[number]>>();
  for (const payment of orderPayments) recorded.set(payment.order_id, [...(recorded.get(payment.order_id) ?? []), payment]);
  const badRecorded = expected.paid.filter((paid) => {
    const payments = recorded.get(paid.orderId) ?? [];
    const [only] = payments;
    return (
      payments.length !== 1 || !only!.captured || only!.refund_status !== 'NONE' || n(only!.amount) !== paid.payable || only!.payment_id !== paid.paymentId
    );
  });
  report(
    badRecorded.length,
    'paid orders without exactly one captured, unrefunded payment of their payable in the order database',
    badRecorded.map((o) => o.orderId),
  );

  // The payment service.
  const payments = await rows<{ payment_id: string; order_id: string; user_id: string; amount: string; status: string }>(
    databases.payment,
    'SELECT payment_id, order_id, user_id, amount, status FROM payment',
  );
  const paymentStatuses = new Map<string, number>();
  for (const payment of payments) paymentStatuses.set(payment.status, (paymentStatuses.get(payment.status) ?? 0) + 1);
  // An attempt the provider failed when it was created is FAILED for good (the client started another): allowed, counted by the bench.
  for (const [status, count] of paymentStatuses) if (status !== 'SUCCEEDED' && status !== 'FAILED') report(count, `payments ${status}`);
  const failedAttempts = paymentStatuses.get('FAILED') ?? 0;
  if (failedAttempts !== expected.failedAttempts)
    problems.push(`${failedAttempts} FAILED payments, the client was answered ${expected.failedAttempts} FAILED attempts`);
  const paymentsOf = new Map<string, Array<(typeof payments)[number]>>();
  for (const payment of payments) paymentsOf.set(payment.order_id, [...(paymentsOf.get(payment.order_id) ?? []), payment]);
  const badPayments = expected.paid.filter((paid) => {
    const succeeded = (paymentsOf.get(paid.orderId) ?? []).filter((payment) => payment.status === 'SUCCEEDED');
    const [only] = succeeded;
    return succeeded.length !== 1 || only!.payment_id !== paid.paymentId || n(only!.amount) !== paid.payable || only!.user_id !== paid.userId;
  });
  report(
    badPayments.length,
    'paid orders without exactly one SUCCEEDED payment of their payable (the one the order recorded)',
    badPayments.map((o) => o.orderId),
  );
  const strays = payments.filter((payment) => !paidById.has(payment.order_id));
  report(
    strays.length,
    'payments of orders the bench did not pay',
    strays.map((p) => p.payment_id),
  );
  const projection = await rows<{ state: string; count: number }>(
    databases.payment,
    'SELECT state, COUNT(*)::int AS count FROM payment_payable_order GROUP BY state',
  );
  for (const { state, count } of projection) if (state !== 'PAID') report(count, `orders ${state} in the payment service's projection`);
  const projected = projection.reduce((sum, { count }) => sum + count, 0);
  if (projected !== orders.length) problems.push(`${projected} orders in the payment service's projection, ${orders.length} in the order database`);
  const charges = await rows<{ status: string; count: number }>(
    databases.payment,
    'SELECT status, COUNT(*)::int AS count FROM payment_sandbox_charge GROUP BY status',
  );
  // A FAILED attempt may have left a charge the provider cancelled or failed; none may be left PENDING.
  for (const { status, count } of charges) if (status === 'PENDING') report(count, `sandbox charges ${status}`);
  const succeededCharges = charges.find((charge) => charge.status === 'SUCCEEDED')?.count ?? 0;
  const succeeded = paymentStatuses.get('SUCCEEDED') ?? 0;
  if (succeededCharges !== succeeded) problems.push(`${succeededCharges} SUCCEEDED sandbox charges for ${succeeded} SUCCEEDED payments`);

  // The coupon service.
  const coupons = await rows<{ id: string; user_id: string; status: string; order_id: string | null }>(
    databases.coupon,
    'SELECT id, user_id, status, order_id FROM coupon',
  );
  const withCoupon = expected.paid.filter((paid) => paid.couponId !== undefined);
  const used = coupons.filter((coupon) => coupon.status === 'USED');
  if (used.length !== withCoupon.length) problems.push(`${used.length} coupons USED, ${withCoupon.length} paid orders used one`);
  const couponById = new Map(coupons.map((coupon) => [coupon.id, coupon]));
  const badCoupons = withCoupon.filter((paid) => {
    const coupon = couponById.get(paid.couponId!);
    return !coupon || coupon.status !== 'USED' || coupon.order_id !== paid.orderId || coupon.user_id !== paid.userId;
  });
  report(
    badCoupons.length,
    'paid orders whose coupon is not USED by them',
    badCoupons.map((o) => o.orderId),
  );
  report(coupons.filter((coupon) => coupon.status === 'LOCKED').length, 'coupons still LOCKED');
  const reservations = await rows<{ order_id: string; coupon_id: string | null; status: string }>(
    databases.coupon,
    'SELECT order_id, coupon_id, status FROM coupon_reservation',
  );
  const reservationStatuses = new Map<string, number>();
  for (const reservation of reservations) reservationStatuses.set(reservation.status, (reservationStatuses.get(reservation.status) ?? 0) + 1);
  for (const [status, count] of reservationStatuses) if (status !== 'CONFIRMED') report(count, `coupon reservations ${status}`);
  const reservationOf = new Map(reservations.map((reservation) => [reservation.order_id, reservation]));
  const unconfirmed = withCoupon.filter(
    (paid) => reservationOf.get(paid.orderId)?.status !== 'CONFIRMED' || reservationOf.get(paid.orderId)?.coupon_id !== paid.couponId,
  );
  report(
    unconfirmed.length,
    'paid orders with a coupon whose reservation is not CONFIRMED',
    unconfirmed.map((o) => o.orderId),
  );

  // The points service.
  const disagreeing = await rows<{ user_id: string; stored: string; ledger: string }>(
    databases.points,
    `WITH sums AS (
       SELECT user_id, SUM(delta_available) AS available, SUM(delta_frozen) AS frozen, SUM(delta_earned) AS earned, SUM(delta_debt) AS debt
         FROM points_ledger GROUP BY user_id)
     SELECT COALESCE(a.user_id, s.user_id) AS user_id,
            concat_ws('/', a.available, a.frozen, a.lifetime_earned, a.debt) AS stored,
            concat_ws('/', s.available, s.frozen, s.earned, s.debt) AS ledger
       FROM points_account a FULL JOIN sums s ON s.user_id = a.user_id
      WHERE a.user_id IS NULL OR s.user_id IS NULL
         OR a.available <> s.available OR a.frozen <> s.frozen OR a.lifetime_earned <> s.earned OR a.debt <> s.debt`,
  );
  report(
    disagreeing.length,
    'points accounts that are not the sums of their ledger (available/frozen/earned/debt)',
    disagreeing.map((row) => `${row.user_id}: stored ${row.stored || 'none'}, ledger ${row.ledger || 'none'}`),
  );
  const accounts = await rows<{ user_id: string; available: string; frozen: string; debt: string }>(
    databases.points,
    'SELECT user_id, available, frozen, debt FROM points_account',
  );
  report(accounts.filter((account) => n(account.available) < 0).length, 'points accounts with negative available points');
  report(accounts.filter((account) => n(account.frozen) !== 0).length, 'points accounts with points still frozen');
  report(accounts.filter((account) => n(account.debt) !== 0).length, 'points accounts in debt');
  const earnedFor = (payable: number) => Math.floor(payable / 100);
  const expectedAvailable = new Map(expected.userIds.map((userId) => [userId, expected.bonus]));
  for (const paid of expected.paid) expectedAvailable.set(paid.userId, (expectedAvailable.get(paid.userId) ?? 0) - paid.pointsToUse + earnedFor(paid.payable));
  const wrongBalance = accounts.filter((account) => expectedAvailable.get(account.user_id) !== n(account.available));
  report(
    wrongBalance.length,
    'points accounts whose available points are not the bonus − points used + points earned of their orders',
    wrongBalance.map((a) => a.user_id),
  );
  if (accounts.length !== expected.userIds.length) problems.push(`${accounts.length} points accounts, ${expected.userIds.length} accounts registered`);
  const entries = await rows<{ kind: string; order_id: string | null; user_id: string; delta_available: string; delta_frozen: string }>(
    databases.points,
    'SELECT kind, order_id, user_id, delta_available, delta_frozen FROM points_ledger',
  );
  const kinds = new Map<string, number>();
  for (const entry of entries) kinds.set(entry.kind, (kinds.get(entry.kind) ?? 0) + 1);
  const withPoints = expected.paid.filter((paid) => paid.pointsToUse > 0).length;
  const expectedKinds: Record<string, number> = { BONUS: expected.userIds.length, EARN: expected.paid.length, FREEZE: withPoints, SPEND: withPoints };
  for (const kind of new Set([...Object.keys(expectedKinds), ...kinds.keys()]))
    if ((kinds.get(kind) ?? 0) !== (expectedKinds[kind] ?? 0))
      problems.push(`${kinds.get(kind) ?? 0} ${kind} ledger entries, expected ${expectedKinds[kind] ?? 0}`);
  const earned = new Map(entries.filter((entry) => entry.kind === 'EARN').map((entry) => [entry.order_id, entry]));
  const badEarn = expected.paid.filter((paid) => {
    const entry = earned.get(paid.orderId);
    return !entry || entry.user_id !== paid.userId || n(entry.delta_available) !== earnedFor(paid.payable);
  });
  report(
    badEarn.length,
    'paid orders without their EARN entry of 1 point per full yuan paid',
    badEarn.map((o) => o.orderId),
  );
  const pointsOrders = await rows<{ status: string; count: number }>(
    databases.points,
    'SELECT status, COUNT(*)::int AS count FROM points_order GROUP BY status',
  );
  for (const { status, count } of pointsOrders) if (status !== 'PAID') report(count, `points orders ${status}`);

  // Messaging, in every service's database and on the broker.
  for (const [service, databaseUrl] of Object.entries(databases)) {
    const [left] = await rows<{ pending: number; dead: number; letters: number; retries: number }>(
      databaseUrl,
      `SELECT (SELECT COUNT(*)::int FROM outbox_pending) AS pending, (SELECT COUNT(*)::int FROM outbox_dead) AS dead,
              (SELECT COUNT(*)::int FROM dead_letter) AS letters, (SELECT COUNT(*)::int FROM delivery_retry) AS retries`,
    );
    report(left!.pending, `outbox rows of the ${service} service unsent`);
    report(left!.dead, `outbox rows of the ${service} service dead`);
    report(left!.letters + left!.retries, `dead letters or retry rows in the ${service} database`);
  }
  try {
    for (const [queue, messages] of await queueDepths(vhost)) report(messages, `messages left in ${queue}`);
  } catch (error) {
    // The broker not answering (stopped, restarting) is a problem of the run like any other: checked again while the bench waits.
    problems.push(`the broker's queues could not be listed: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`);
  }
  return problems;
}
