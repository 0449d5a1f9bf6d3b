// The order saga across contexts (issues 11 and 12, DESIGN.md section 6): the real order, coupon, points
// and payment services in this process, each on a PostgreSQL database of its own, all on one RabbitMQ
// virtual host of this run's own, as their processes would run them. The test drives the services over
// HTTP as the gateway forwards a call (its internal token and the caller's identity), registers customers
// by publishing user.registered.v1 (the sign-up bonus), and pays as a customer does in the sandbox
// (POST /payments, then its simulate: the sandbox calls the payment service back in-process, signed);
// it hears every event of the saga on the broker.
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PaymentSucceededV1,
  UserRegisteredV1,
  type EventContract,
  type EventEnvelope,
  type MyCoupon,
  type OrderResponse,
  type PaymentView,
  type PointsBalance,
  type PointsLedgerEntry,
} from '@shop/contracts';
import type { Identity } from '@shop/http';
import { AmqpTransport, type Transport } from '@shop/messaging';
import { withDatabase } from '@shop/persistence';
import type { RunningService, ServiceRuntime } from '@shop/runtime';
import { ContextApi } from '@shop/runtime/testing';
import {
  Cleanups,
  EventProbe,
  TEST_POSTGRES_URL,
  anEnvelope,
  capturingLogger,
  createVirtualHost,
  dropDatabase,
  uniqueServiceName,
  waitFor,
} from '@shop/testing';
import { loadCouponConfig, startCouponService } from '@shop/coupon';
import { loadOrderConfig, startOrderService } from '@shop/order';
import { loadPaymentConfig, startPaymentService } from '@shop/payment';
import { loadPointsConfig, startPointsService } from '@shop/points';

const run = randomBytes(4).toString('hex');
const INTERNAL_AUTH_SECRET = `the-order-saga-spec-internal-secret-${run}`;
const WEBHOOK_SECRET = `the-order-saga-spec-webhook-secret-${run}`;
const SIGNUP_BONUS = 2_000;
/** How long a step of the saga may take here (several hops over the broker and three outboxes). */
const SETTLE_MS = 30_000;
const TEA = { sku: 'SAGA-TEA-100G', name: 'Longjing tea, 100 g', price: 8_800 };
const MUG = { sku: 'SAGA-MUG', name: 'Ceramic mug', price: 3_900 };

const admin: Identity = { userId: randomUUID(), roles: ['customer', 'admin'] };
const logs = capturingLogger({ service: 'order-saga-spec', level: 'warn' });
/** The services' warnings and errors so far, for a failed wait's message. */
const recentLogs = () =>
  logs.lines
    .slice(-15)
    .map((line) => `${JSON.stringify(line['service'])} ${line.level} ${line.msg} ${JSON.stringify((line['err'] as { message?: string } | undefined)?.message)}`)
    .join('\n');

type Service = 'order' | 'coupon' | 'points' | 'payment';
interface Answer<T> {
  readonly status: number;
  readonly body: T;
}

describe('the order saga with the real coupon, points and payment services (PostgreSQL, RabbitMQ)', () => {
  const cleanups = new Cleanups();
  let amqpUrl: string;
  let publisher: Transport;
  let probe: EventProbe;
  const running = new Map<Service, RunningService>();
  const apis = new Map<Service, ContextApi>();

  const runtimeOf = (service: Service): ServiceRuntime => ({
    service,
    host: '127.0.0.1',
    port: 0,
    database: { databaseUrl: withDatabase(TEST_POSTGRES_URL, `shop_${service}_saga_${run}`), poolSize: 16 },
    transport: () => AmqpTransport.connect({ url: amqpUrl, connectionName: uniqueServiceName(`${service}_saga`), logger: logs.logger.child({ service }) }),
    ownsTransport: true,
    internalAuthSecret: INTERNAL_AUTH_SECRET,
    logger: logs.logger.child({ service }),
  });

  /** Starts a service on its database and the run's virtual host (the same database and queue after a restart). */
  const start = async (service: Service, env: NodeJS.ProcessEnv = {}): Promise<void> => {
    const runtime = runtimeOf(service);
    const instance =
      service === 'order'
        ? await startOrderService(runtime, loadOrderConfig(env))
        : service === 'coupon'
          ? await startCouponService(runtime, loadCouponConfig(env))
          : service === 'points'
            ? await startPointsService(runtime, loadPointsConfig({ POINTS_SIGNUP_BONUS: String(SIGNUP_BONUS), ...env }))
            : await startPaymentService(runtime, loadPaymentConfig({ PAYMENT_SANDBOX: 'true', PAYMENT_WEBHOOK_SECRET: WEBHOOK_SECRET, ...env }));
    running.set(service, instance);
    apis.set(service, new ContextApi(instance.url, service, INTERNAL_AUTH_SECRET));
  };
  const stop = async (service: Service): Promise<void> => {
    await running.get(service)?.close();
    running.delete(service);
  };

  const call = async <T = { code?: string }>(
    service: Service,
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    identity: Identity,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Answer<T>> => {
    const response = await apis.get(service)!.viaGateway(method, path, { identity, body, ...(headers ? { headers } : {}) });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };

  /** Publishes one contract event as its producer would; returns the message id. */
  const publish = async <P>(contract: EventContract<P>, source: string, aggregateId: string, payload: P): Promise<string> => {
    const envelope = anEnvelope<P>(contract.type, { source, aggregateId, payload }) as EventEnvelope;
    const [outcome] = await publisher.publishBatch([envelope]);
    expect(outcome).toEqual({ ok: true });
    return envelope.id;
  };

  /** Rows of a query on a service's database, over a connection of the test's own. */
  const query = async <R>(service: Service, sql: string, parameters: unknown[]): Promise<R[]> => {
    const client = new pg.Client({ connectionString: withDatabase(TEST_POSTGRES_URL, `shop_${service}_saga_${run}`) });
    await client.connect();
    try {
      return (await client.query(sql, parameters)).rows as R[];
    } finally {
      await client.end();
    }
  };
  /** Waits until the service has handled the message: its inbox row commits with the handler's effects. */
  const handled = (service: Service, messageId: string): Promise<boolean> =>
    waitFor(async () => (await query(service, 'SELECT 1 FROM inbox WHERE message_id = $1', [messageId])).length === 1, {
      what: `${service} handling ${messageId}`,
      timeoutMs: SETTLE_MS,
    });
  /** Every event the order service wrote about the order, oldest first: published or not yet. */
  const outboxOf = async (orderId: string): Promise<string[]> =>
    (await query<{ type: string }>('order', 'SELECT type FROM outbox WHERE aggregate_id = $1 ORDER BY seq', [orderId])).map((row) => row.type);

  /** The events of `type` about the aggregate (an order; a payment for payment.*) that the probe heard so far. */
  const heard = <P = Record<string, unknown>>(type: string, aggregateId: string): Array<EventEnvelope<P>> =>
    probe.about([aggregateId]).filter((event) => event.type === type) as Array<EventEnvelope<P>>;
  const hear = <P = Record<string, unknown>>(type: string, aggregateId: string): Promise<EventEnvelope<P>> =>
    waitFor(() => heard<P>(type, aggregateId)[0], { what: `${type} of ${aggregateId}`, timeoutMs: SETTLE_MS });

  /** A new customer, registered as the user service announces it: the points service grants the sign-up bonus. */
  const newCustomer = async (): Promise<Identity> => {
    const customer: Identity = { userId: randomUUID(), roles: ['customer'] };
    await publish(UserRegisteredV1, 'user', customer.userId, {
      userId: customer.userId,
      email: `saga-${customer.userId.slice(0, 8)}@example.com`,
      nickname: null,
      registeredAt: new Date().toISOString(),
    });
    await waitFor(async () => (await pointsOf(customer)).lifetimeEarned === SIGNUP_BONUS, { what: 'the sign-up bonus', timeoutMs: SETTLE_MS });
    return customer;
  };

  const pointsOf = async (customer: Identity): Promise<PointsBalance> => {
    const answer = await call<PointsBalance>('points', 'GET', '/me/points', customer);
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const ledgerKeysOf = async (customer: Identity, orderId: string): Promise<string[]> => {
    const answer = await call<PointsLedgerEntry[]>('points', 'GET', '/me/points/ledger?limit=200', customer);
    expect(answer.status).toBe(200);
    return answer.body
      .filter((entry) => entry.orderId === orderId)
      .map((entry) => entry.entryId)
      .reverse();
  };
  /** Waits until the customer's ledger holds exactly these entries for the order, oldest first. */
  const ledgerSettles = (customer: Identity, orderId: string, kinds: string[]): Promise<string[]> => {
    const expected = kinds.map((kind) => `${kind}:${orderId}`);
    return waitFor(
      async () => {
        const keys = await ledgerKeysOf(customer, orderId);
        return JSON.stringify(keys) === JSON.stringify(expected) ? keys : undefined;
      },
      { what: `the ledger entries ${expected.join(', ')}`, timeoutMs: SETTLE_MS },
    );
  };

  /** A coupon of a new campaign, claimed by `owner`: 10 yuan off from 50 yuan unless said otherwise. */
  const couponOf = async (
    owner: Identity,
    options: { minSpend?: number; validity?: { validFrom: string; validUntil: string } | { validDays: number } } = {},
  ): Promise<string> => {
    const template = await call<{ templateId: string }>('coupon', 'POST', '/admin/coupon-templates', admin, {
      name: `Saga ${randomUUID().slice(0, 8)}`,
      discount: { kind: 'amount_off', amountOff: 1_000, minSpend: options.minSpend ?? 5_000 },
      totalStock: 100,
      validity: options.validity ?? { validDays: 30 },
    });
    expect(template.status, JSON.stringify(template.body)).toBe(201);
    const claimed = await call<{ couponId: string }>('coupon', 'POST', `/coupon-templates/${template.body.templateId}/claim`, owner);
    expect(claimed.status, JSON.stringify(claimed.body)).toBe(201);
    return claimed.body.couponId;
  };
  const couponStatus = async (owner: Identity, couponId: string): Promise<Pick<MyCoupon, 'status' | 'orderId'>> => {
    const answer = await call<MyCoupon[]>('coupon', 'GET', '/me/coupons', owner);
    expect(answer.status).toBe(200);
    const coupon = answer.body.find((candidate) => candidate.couponId === couponId);
    if (!coupon) throw new Error(`coupon ${couponId} is not among the owner's`);
    return { status: coupon.status, orderId: coupon.orderId };
  };
  const couponBecomes = (owner: Identity, couponId: string, expected: Pick<MyCoupon, 'status' | 'orderId'>) =>
    waitFor(async () => JSON.stringify(await couponStatus(owner, couponId)) === JSON.stringify(expected), {
      what: `coupon ${couponId} ${expected.status}`,
      timeoutMs: SETTLE_MS,
    });

  const place = async (customer: Identity, body: Record<string, unknown>): Promise<string> => {
    const answer = await call<{ orderId: string; status: string }>('order', 'POST', '/orders', customer, body);
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    return answer.body.orderId;
  };
  const orderOf = async (customer: Identity, orderId: string): Promise<OrderResponse> => {
    const answer = await call<OrderResponse>('order', 'GET', `/orders/${orderId}`, customer);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body;
  };
  /** Waits until the order is in `status`, failing at once if it settles in another one. */
  const orderBecomes = async (customer: Identity, orderId: string, status: OrderResponse['status']): Promise<OrderResponse> => {
    try {
      return await waitFor(
        async () => {
          const order = await orderOf(customer, orderId);
          if (order.status === status) return order;
          if (order.status !== 'PENDING' && order.status !== 'REFUNDING') throw new Error(`the order is ${order.status} (${order.cancelReason ?? ''})`);
          return undefined;
        },
        { what: `order ${orderId} ${status}`, timeoutMs: SETTLE_MS },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\nlogs:\n${recentLogs()}`);
    }
  };

  /** 16,600 fen of goods (a tea and two mugs) with a coupon of 10 yuan off and 1,500 points: 14,100 fen to pay. */
  const basket = (couponId: string | null, pointsToUse: number) => ({
    items: [
      { sku: TEA.sku, quantity: 1 },
      { sku: MUG.sku, quantity: 2 },
    ],
    ...(couponId ? { couponId } : {}),
    pointsToUse,
  });
  const SUBTOTAL = TEA.price + 2 * MUG.price;

  /** A customer with a coupon and an order using it and 1,500 points, awaiting its payment. */
  const awaitingPayment = async (): Promise<{ customer: Identity; couponId: string; orderId: string; order: OrderResponse }> => {
    const customer = await newCustomer();
    const couponId = await couponOf(customer);
    const orderId = await place(customer, basket(couponId, 1_500));
    const order = await orderBecomes(customer, orderId, 'AWAITING_PAYMENT');
    return { customer, couponId, orderId, order };
  };

  /**
   * A payment of the order, PENDING at the sandbox: the payment service learns of the order from
   * order.awaiting-payment.v1, so until then it answers 404 ORDER_NOT_FOUND (only that is waited through).
   */
  const startPayment = async (customer: Identity, orderId: string): Promise<PaymentView> => {
    const answer = await waitFor(
      async () => {
        const started = await call<PaymentView & { code?: string }>('payment', 'POST', '/payments', customer, { orderId }, { 'idempotency-key': randomUUID() });
        return started.status === 404 && started.body.code === 'ORDER_NOT_FOUND' ? undefined : started;
      },
      { what: 'the payment service to know the order', timeoutMs: SETTLE_MS },
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body).toMatchObject({ orderId, status: 'PENDING', provider: 'sandbox' });
    return answer.body;
  };
  /** The customer pays at the sandbox: it answers 202, then calls the payment service back. */
  const simulateSuccess = async (customer: Identity, paymentId: string): Promise<Answer<unknown>> =>
    call('payment', 'POST', `/payments/${paymentId}/simulate`, customer, { outcome: 'success' });
  /** Pays the order: a payment, its success at the sandbox; the payment's id. */
  const pay = async (customer: Identity, orderId: string): Promise<string> => {
    const payment = await startPayment(customer, orderId);
    expect((await simulateSuccess(customer, payment.paymentId)).status).toBe(202);
    return payment.paymentId;
  };
  const paymentBecomes = (customer: Identity, paymentId: string, status: PaymentView['status']): Promise<PaymentView> =>
    waitFor(
      async () => {
        const answer = await call<PaymentView>('payment', 'GET', `/payments/${paymentId}`, customer);
        return answer.body.status === status ? answer.body : undefined;
      },
      { what: `payment ${paymentId} ${status}`, timeoutMs: SETTLE_MS },
    );

  beforeAll(async () => {
    const vhost = await createVirtualHost(`shop_order_saga_${run}`);
    // Added first, so that it runs last: once every connection to it is closed.
    cleanups.add(() => vhost.remove().catch(() => undefined));
    for (const service of ['order', 'coupon', 'points', 'payment'] as const) cleanups.add(() => dropDatabase(`shop_${service}_saga_${run}`));
    amqpUrl = vhost.url;
    publisher = await AmqpTransport.connect({ url: amqpUrl, connectionName: uniqueServiceName('order_saga_spec'), logger: logs.logger });
    cleanups.add(() => publisher.close());
    cleanups.add(async () => {
      for (const service of [...running.keys()]) await stop(service);
    });
    await start('order');
    await start('coupon');
    await start('points');
    await start('payment');
    // The order's events, the participants' answers and the payment's.
    const listening = await EventProbe.listen(publisher, 'order_saga_probe', [
      'order.placed.v1',
      'order.awaiting-payment.v1',
      'order.cancelled.v1',
      'order.paid.v1',
      'order.refund-requested.v1',
      'order.refunded.v1',
      'coupon.reserved.v1',
      'coupon.reservation-rejected.v1',
      'points.reserved.v1',
      'points.reservation-rejected.v1',
      'payment.succeeded.v1',
      'payment.failed.v1',
      'payment.refunded.v1',
    ]);
    probe = listening.probe;
    cleanups.add(listening.stop);
    for (const product of [TEA, MUG]) {
      const created = await call('order', 'POST', '/admin/products', admin, product);
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
  }, 120_000);
  afterAll(() => cleanups.run(), 120_000);

  it('reserves the coupon and the points of an order: AWAITING_PAYMENT with what is left to pay, the coupon LOCKED, the points frozen', async () => {
    const customer = await newCustomer();
    const couponId = await couponOf(customer);
    const orderId = await place(customer, basket(couponId, 1_500));

    const order = await orderBecomes(customer, orderId, 'AWAITING_PAYMENT');
    expect(order).toMatchObject({
      subtotal: SUBTOTAL,
      couponId,
      couponDiscount: 1_000,
      pointsToUse: 1_500,
      pointsUsed: 1_500,
      payable: SUBTOTAL - 1_000 - 1_500,
      cancelReason: null,
      paymentId: null,
    });
    expect(order.items).toEqual([
      { sku: TEA.sku, name: TEA.name, quantity: 1, unitPrice: TEA.price, lineTotal: TEA.price },
      { sku: MUG.sku, name: MUG.name, quantity: 2, unitPrice: MUG.price, lineTotal: 2 * MUG.price },
    ]);
    expect(order.history.map((entry) => entry.status)).toEqual(['PENDING', 'AWAITING_PAYMENT']);
    expect(Date.parse(order.paymentDueAt!)).toBeGreaterThan(Date.now());
    const awaiting = await hear<{ payable: number; couponDiscount: number; pointsUsed: number }>('order.awaiting-payment.v1', orderId);
    expect(awaiting.payload).toMatchObject({ subtotal: SUBTOTAL, couponDiscount: 1_000, pointsUsed: 1_500, payable: 14_100 });

    expect(await couponStatus(customer, couponId)).toEqual({ status: 'LOCKED', orderId });
    expect(await pointsOf(customer)).toEqual({ available: SIGNUP_BONUS - 1_500, frozen: 1_500, lifetimeEarned: SIGNUP_BONUS, debt: 0 });
    expect(await ledgerKeysOf(customer, orderId)).toEqual([`FREEZE:${orderId}`]);
  });

  it.each([
    ['another customer’s coupon', 'COUPON_NOT_OWNER'],
    ['an expired coupon', 'COUPON_EXPIRED'],
    ['a coupon whose minimum spend the order does not reach', 'COUPON_BELOW_MIN_SPEND'],
  ] as const)('cancels an order with %s (%s); its points are released and the coupon stays unlocked', async (_what, reason) => {
    const customer = await newCustomer();
    let couponId: string;
    let couponOwner = customer;
    let couponAfter: MyCoupon['status'] = 'AVAILABLE';
    if (reason === 'COUPON_NOT_OWNER') {
      couponOwner = await newCustomer();
      couponId = await couponOf(couponOwner);
    } else if (reason === 'COUPON_EXPIRED') {
      // Valid long enough for the template's creation and the claim on a loaded CI machine, then waited out.
      const validUntil = new Date(Date.now() + 5_000);
      couponId = await couponOf(customer, { validity: { validFrom: new Date(Date.now() - 60_000).toISOString(), validUntil: validUntil.toISOString() } });
      await waitFor(() => Date.now() > validUntil.getTime() + 100, { what: 'the coupon’s end', timeoutMs: validUntil.getTime() - Date.now() + 5_000 });
      couponAfter = 'EXPIRED';
    } else {
      couponId = await couponOf(customer, { minSpend: 50_000 });
    }
    const orderId = await place(customer, basket(couponId, 1_500));

    const order = await orderBecomes(customer, orderId, 'CANCELLED');
    expect(order).toMatchObject({ cancelReason: reason, payable: null, couponDiscount: 0 });
    expect(order.history.map((entry) => [entry.status, entry.reason])).toEqual([
      ['PENDING', null],
      ['CANCELLED', reason],
    ]);
    const rejected = await hear<{ reason: string }>('coupon.reservation-rejected.v1', orderId);
    expect(`COUPON_${rejected.payload.reason}`).toBe(reason);
    await hear('order.cancelled.v1', orderId);
    expect(heard('order.cancelled.v1', orderId)).toHaveLength(1);
    expect(await outboxOf(orderId)).toEqual(['order.placed.v1', 'order.cancelled.v1']);

    // The points were frozen for the order (the placement reached the points service first), then released by its cancellation.
    await ledgerSettles(customer, orderId, ['FREEZE', 'RELEASE']);
    expect(await pointsOf(customer)).toEqual({ available: SIGNUP_BONUS, frozen: 0, lifetimeEarned: SIGNUP_BONUS, debt: 0 });
    expect(await couponStatus(couponOwner, couponId)).toEqual({ status: couponAfter, orderId: null });
  });

  it('cancels an order asking for more points than the customer has (POINTS_INSUFFICIENT_POINTS) and releases its coupon', async () => {
    const customer = await newCustomer();
    const couponId = await couponOf(customer);
    const orderId = await place(customer, basket(couponId, SIGNUP_BONUS + 1));

    const order = await orderBecomes(customer, orderId, 'CANCELLED');
    expect(order.cancelReason).toBe('POINTS_INSUFFICIENT_POINTS');
    expect(order.pointsUsed).toBe(0);
    // The coupon was locked for the order, and is released by its cancellation.
    expect((await hear<{ discount: number }>('coupon.reserved.v1', orderId)).payload.discount).toBe(1_000);
    await couponBecomes(customer, couponId, { status: 'AVAILABLE', orderId: null });
    expect(await pointsOf(customer)).toEqual({ available: SIGNUP_BONUS, frozen: 0, lifetimeEarned: SIGNUP_BONUS, debt: 0 });
    expect(await ledgerKeysOf(customer, orderId)).toEqual([]);
    await hear('order.cancelled.v1', orderId);
    expect(heard('order.cancelled.v1', orderId)).toHaveLength(1);
  });

  it('releases the coupon and the points when the customer cancels an order awaiting payment', async () => {
    const { customer, couponId, orderId } = await awaitingPayment();
    const cancelled = await call<OrderResponse>('order', 'POST', `/orders/${orderId}/cancel`, customer);
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'CUSTOMER_CANCELLED' });
    expect(cancelled.body.history.map((entry) => entry.status)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'CANCELLED']);

    await couponBecomes(customer, couponId, { status: 'AVAILABLE', orderId: null });
    await ledgerSettles(customer, orderId, ['FREEZE', 'RELEASE']);
    expect(await pointsOf(customer)).toEqual({ available: SIGNUP_BONUS, frozen: 0, lifetimeEarned: SIGNUP_BONUS, debt: 0 });
    const again = await call('order', 'POST', `/orders/${orderId}/cancel`, customer);
    expect([again.status, again.body.code]).toEqual([409, 'INVALID_STATE']);
  });

  it('marks a paid order PAID on payment.succeeded.v1: the coupon is USED, the points spent, and the payment earns points', async () => {
    const { customer, couponId, orderId, order } = await awaitingPayment();
    const paymentId = await pay(customer, orderId);

    const paid = await orderBecomes(customer, orderId, 'PAID');
    expect((await hear<{ amount: number }>('payment.succeeded.v1', paymentId)).payload).toMatchObject({ paymentId, orderId, amount: order.payable });
    expect(paid).toMatchObject({ paymentId, amountPaid: 14_100, payable: 14_100 });
    expect((await hear<{ amountPaid: number; pointsToUse: number }>('order.paid.v1', orderId)).payload).toMatchObject({
      amountPaid: 14_100,
      pointsToUse: 1_500,
      couponId,
    });
    await couponBecomes(customer, couponId, { status: 'USED', orderId });
    await ledgerSettles(customer, orderId, ['FREEZE', 'SPEND', 'EARN']);
    // 141 points for 141 yuan paid.
    expect(await pointsOf(customer)).toEqual({ available: SIGNUP_BONUS - 1_500 + 141, frozen: 0, lifetimeEarned: SIGNUP_BONUS + 141, debt: 0 });

    // The same payment again (another message, as a redelivery) changes nothing.
    await handled(
      'order',
      await publish(PaymentSucceededV1, 'payment', paymentId, {
        paymentId,
        orderId,
        userId: customer.userId,
        amount: 14_100,
        succeededAt: new Date().toISOString(),
      }),
    );
    expect((await paymentBecomes(customer, paymentId, 'SUCCEEDED')).amount).toBe(14_100);
    // One success from the payment service, and the test's copy.
    await waitFor(() => heard('payment.succeeded.v1', paymentId).length === 2, { what: 'both payment.succeeded.v1', timeoutMs: SETTLE_MS });
    expect(await outboxOf(orderId)).toEqual(['order.placed.v1', 'order.awaiting-payment.v1', 'order.paid.v1']);
    expect((await orderOf(customer, orderId)).history.map((entry) => entry.status)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID']);
  });

  it('settles a customer cancel racing the payment on one outcome: PAID with the cancel refused, or CANCELLED with the late payment refunded', async () => {
    const outcomes: string[] = [];
    for (let round = 0; round < 4; round++) {
      const { customer, couponId, orderId } = await awaitingPayment();
      const { paymentId } = await startPayment(customer, orderId);
      const [cancel, simulated] = await Promise.all([
        call<OrderResponse>('order', 'POST', `/orders/${orderId}/cancel`, customer),
        simulateSuccess(customer, paymentId),
      ]);
      expect(simulated.status).toBe(202);
      if (cancel.status === 200) {
        outcomes.push('cancelled');
        const refund = await hear<{ paymentId: string; amount: number; reason: string }>('order.refund-requested.v1', orderId);
        expect(refund.payload).toMatchObject({ orderId, userId: customer.userId, paymentId, amount: 14_100, reason: 'LATE_PAYMENT' });
        expect(heard('order.refund-requested.v1', orderId)).toHaveLength(1);
        const final = await orderOf(customer, orderId);
        expect(final).toMatchObject({ status: 'CANCELLED', cancelReason: 'CUSTOMER_CANCELLED', paymentId: null });
        expect(final.history.map((entry) => entry.status)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'CANCELLED']);
        await couponBecomes(customer, couponId, { status: 'AVAILABLE', orderId: null });
        await ledgerSettles(customer, orderId, ['FREEZE', 'RELEASE']);
        await hear('order.cancelled.v1', orderId);
        expect(await outboxOf(orderId)).toEqual(['order.placed.v1', 'order.awaiting-payment.v1', 'order.cancelled.v1', 'order.refund-requested.v1']);
        // The payment service gives the money back: REFUNDED, once; the order stays CANCELLED.
        expect((await paymentBecomes(customer, paymentId, 'REFUNDED')).refund).toMatchObject({ reason: 'LATE_PAYMENT' });
        await hear('payment.refunded.v1', paymentId);
        expect(heard('payment.refunded.v1', paymentId)).toHaveLength(1);
        expect((await orderOf(customer, orderId)).status).toBe('CANCELLED');
      } else {
        outcomes.push('paid');
        expect([cancel.status, (cancel.body as { code?: string }).code]).toEqual([409, 'INVALID_STATE']);
        const final = await orderBecomes(customer, orderId, 'PAID');
        expect(final.history.map((entry) => entry.status)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID']);
        await couponBecomes(customer, couponId, { status: 'USED', orderId });
        await ledgerSettles(customer, orderId, ['FREEZE', 'SPEND', 'EARN']);
        await hear('order.paid.v1', orderId);
        // The payment is handled (PAID): the cancel came after it, and wrote nothing.
        expect(await outboxOf(orderId)).toEqual(['order.placed.v1', 'order.awaiting-payment.v1', 'order.paid.v1']);
      }
    }
    console.info(`cancel racing payment: ${outcomes.join(', ')}`);
  });

  it('refunds a paid order: REFUNDING and order.refund-requested.v1, then the payment service refunds (payment.refunded.v1): REFUNDED, the coupon AVAILABLE again, the points returned and clawed back', async () => {
    const { customer, couponId, orderId } = await awaitingPayment();
    const paymentId = await pay(customer, orderId);
    await orderBecomes(customer, orderId, 'PAID');
    await ledgerSettles(customer, orderId, ['FREEZE', 'SPEND', 'EARN']);

    const refunding = await call<OrderResponse>('order', 'POST', `/orders/${orderId}/refund`, customer);
    expect(refunding.status, JSON.stringify(refunding.body)).toBe(200);
    expect(refunding.body.status).toBe('REFUNDING');
    const requested = await hear<Record<string, unknown>>('order.refund-requested.v1', orderId);
    expect(requested.payload).toMatchObject({ orderId, userId: customer.userId, paymentId, amount: 14_100, reason: 'CUSTOMER_REQUEST' });

    // The payment service refunds at the sandbox and announces it.
    const refunded = await orderBecomes(customer, orderId, 'REFUNDED');
    expect((await hear<{ amount: number }>('payment.refunded.v1', paymentId)).payload).toMatchObject({ paymentId, amount: 14_100 });
    expect((await paymentBecomes(customer, paymentId, 'REFUNDED')).refund).toMatchObject({ reason: 'CUSTOMER_REQUEST', refundedAt: expect.any(String) });
    expect(refunded.history.map((entry) => entry.status)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'REFUNDING', 'REFUNDED']);
    expect((await hear<{ amountRefunded: number }>('order.refunded.v1', orderId)).payload).toMatchObject({
      amountRefunded: 14_100,
      couponId,
      pointsToUse: 1_500,
    });

    await couponBecomes(customer, couponId, { status: 'AVAILABLE', orderId: null });
    await ledgerSettles(customer, orderId, ['FREEZE', 'SPEND', 'EARN', 'REFUND', 'CLAWBACK']);
    expect(await pointsOf(customer)).toEqual({ available: SIGNUP_BONUS, frozen: 0, lifetimeEarned: SIGNUP_BONUS, debt: 0 });
  });

  it('cancels an order whose points answer does not come in time (RESERVATION_TIMEOUT), and once the points service is back nothing stays frozen', async () => {
    const customer = await newCustomer();
    const couponId = await couponOf(customer);
    // The points service goes away; the order service comes back with a reservation deadline of 2 s.
    await stop('points');
    await stop('order');
    await start('order', { ORDER_RESERVATION_TIMEOUT: '2s', ORDER_TIMEOUT_SCAN_INTERVAL_MS: '200' });

    const orderId = await place(customer, basket(couponId, 1_500));
    await hear('coupon.reserved.v1', orderId);
    const order = await orderBecomes(customer, orderId, 'CANCELLED');
    expect(order.cancelReason).toBe('RESERVATION_TIMEOUT');
    await hear('order.cancelled.v1', orderId);
    expect(heard('order.cancelled.v1', orderId)).toHaveLength(1);
    await couponBecomes(customer, couponId, { status: 'AVAILABLE', orderId: null });

    // Back: it takes the placement and the cancellation waiting in its queue; whichever way it answers, nothing stays frozen.
    await start('points');
    const answer = await waitFor(() => probe.about([orderId]).find((event) => event.type.startsWith('points.')), {
      what: 'the points service’s answer to the placement',
      timeoutMs: SETTLE_MS,
    });
    if (answer.type === 'points.reserved.v1') await ledgerSettles(customer, orderId, ['FREEZE', 'RELEASE']);
    else expect((answer.payload as { reason: string }).reason).toBe('ORDER_CANCELLED');
    await waitFor(async () => (await pointsOf(customer)).frozen === 0, { what: 'nothing frozen', timeoutMs: SETTLE_MS });
    expect(await pointsOf(customer)).toEqual({ available: SIGNUP_BONUS, frozen: 0, lifetimeEarned: SIGNUP_BONUS, debt: 0 });
    // The late answer changes nothing on the order.
    const after = await orderOf(customer, orderId);
    expect(after).toMatchObject({ status: 'CANCELLED', cancelReason: 'RESERVATION_TIMEOUT', pointsUsed: 0, payable: null });
    expect(after.history.map((entry) => entry.status)).toEqual(['PENDING', 'CANCELLED']);
    await hear('order.cancelled.v1', orderId);
    expect(heard('order.cancelled.v1', orderId)).toHaveLength(1);
    expect(await outboxOf(orderId)).toEqual(['order.placed.v1', 'order.cancelled.v1']);
  });
});
