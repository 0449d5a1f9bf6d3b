import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CouponTemplateResponse, OrderResponse } from '@shop/client';
import type { UserRegisteredV1 } from '@shop/contracts';
import { AmqpTransport } from '@shop/messaging';
import { EventProbe, waitFor } from '@shop/testing';
import {
  answerOf,
  expectAnswer,
  gatewayClient,
  shopSteps,
  signCallback,
  startCallbackRelay,
  type CallbackRelay,
  type CapturedCallback,
  type Customer,
} from '@shop/embedded/testing';
import { startDistributedPlatform, type DistributedPlatform } from './support/distributed-platform.js';

/**
 * End to end in the distributed mode: each app its own process (the built `main.js`, as
 * `npm run start:services` runs them) on PostgreSQL and RabbitMQ, driven through the gateway only.
 * The services keep their real queue names (`order.events`, its retry and dead-letter queues, …) on a
 * RabbitMQ virtual host of this run's own, deleted with all its queues after. The payment service runs
 * its sandbox provider (PAYMENT_SANDBOX=true), which calls back over HTTP as a provider would: through a
 * relay of the test's own (which keeps each callback, to replay it or forge one from it) to the gateway's
 * `POST /payments/callback`, which forwards the signed bytes unchanged to the payment service.
 */
const run = randomBytes(4).toString('hex');
const ADMIN = { email: `e2e-admin-${run}@shop.example`, password: 'an admin passphrase' };
const WEBHOOK_SECRET = randomBytes(32).toString('hex');
/** How long a step of the saga may take here (several processes, hops over the broker, outboxes). */
const SETTLE_MS = 30_000;
const BONUS = { available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 };
const probeService = `e2e_probe_${run}`;

describe('the distributed platform (a process per app, PostgreSQL, RabbitMQ)', () => {
  let platform: DistributedPlatform;
  let api: string;
  let transport: AmqpTransport | undefined;
  let events: { probe: EventProbe<UserRegisteredV1>; stop: () => Promise<void> } | undefined;
  let relay: CallbackRelay;
  const output = () => platform.output.join('');
  // The test's own listener goes before the platform stops: its stop removes the virtual host the listener is on.
  const stopListening = async () => {
    await events?.stop();
    events = undefined;
    await transport?.close();
    transport = undefined;
  };

  beforeAll(async () => {
    relay = await startCallbackRelay(() => `${api}/payments/callback`);
    platform = await startDistributedPlatform({
      prefix: 'e2e',
      admin: ADMIN,
      appEnv: { payment: { PAYMENT_SANDBOX: 'true', PAYMENT_WEBHOOK_SECRET: WEBHOOK_SECRET, PAYMENT_SANDBOX_CALLBACK_URL: relay.url } },
    });
    api = platform.apiUrl;
    transport = await AmqpTransport.connect({ url: platform.amqpUrl, connectionName: probeService });
    events = await EventProbe.listen<UserRegisteredV1>(transport, probeService, ['user.registered.v1']);
  }, 120_000);

  afterAll(async () => {
    await stopListening();
    await platform?.stop();
    await relay?.close();
  }, 60_000);

  it('registers, logs in and answers /me; user.registered.v1 reaches another service with the request’s correlation id', async () => {
    const email = `e2e-${run}@example.com`;
    const register = await fetch(`${api}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': `e2e-${run}` },
      body: JSON.stringify({ email, password: 'a long password', nickname: 'E2E' }),
    });
    expect(register.status, output()).toBe(201);
    expect(register.headers.get('x-correlation-id')).toBe(`e2e-${run}`);
    const { userId } = (await register.json()) as { userId: string };

    const login = await fetch(`${api}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'a long password' }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const me = await fetch(`${api}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(await me.json()).toEqual({ userId, email, nickname: 'E2E', roles: ['customer'] });

    const event = await waitFor(() => events!.probe.seen.find((e) => e.payload.userId === userId), {
      what: 'user.registered.v1 on RabbitMQ',
      timeoutMs: 20_000,
    });
    expect(event).toMatchObject({ source: 'user', correlationId: `e2e-${run}`, payload: { email, nickname: 'E2E' } });

    // The points service took its share of the registration over RabbitMQ: the sign-up bonus, through the gateway.
    const points = await waitFor(
      async () => {
        const answer = await fetch(`${api}/me/points`, { headers: { authorization: `Bearer ${accessToken}` } });
        const balance = answer.ok ? ((await answer.json()) as { available: number }) : undefined;
        return balance && balance.available > 0 ? balance : undefined;
      },
      { what: 'the sign-up bonus through the gateway', timeoutMs: 20_000 },
    );
    expect(points).toEqual({ available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 });

    // The order service answers through the gateway: its catalog, empty here (the demo catalog is the embedded mode's only).
    const products = await fetch(`${api}/products`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(products.status, output()).toBe(200);
    expect(products.headers.get('content-type')).toContain('application/json');
    expect(await products.json()).toEqual([]);
  });

  it('refuses a call to the user service that did not come through the gateway', async () => {
    const direct = await fetch(`${platform.serviceUrls.user}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `direct-${run}@example.com`, password: 'a long password' }),
    });
    expect(direct.status).toBe(401);
    expect(((await direct.json()) as { code: string }).code).toBe('NOT_FROM_GATEWAY');
  });

  describe('the whole purchase through the gateway (the sandbox provider calling back over HTTP)', () => {
    const gateway = gatewayClient(() => api);
    // `api` is the gateway's URL; `typed` the typed client (@shop/client) a front-end would use, for one caller.
    const typed = gateway.api;
    let adminToken: string;
    let welcome: CouponTemplateResponse;
    const steps = shopSteps(gateway, { settleMs: SETTLE_MS, adminToken: () => adminToken });
    const { pointsOf, pointsBecome, couponsOf, couponOf, couponBecomes, place, orderOf, orderBecomes, paymentFor, simulate, paymentOf, paymentBecomes, pay } =
      steps;
    /** 16,600 fen of goods (a tea and two mugs): with the campaign's 10 yuan off and 60 points, 15,540 fen to pay. */
    const TEA = { sku: `E2E-TEA-${run}`.toUpperCase(), name: 'Longjing tea, 100 g', price: 8_800 };
    const MUG = { sku: `E2E-MUG-${run}`.toUpperCase(), name: 'Ceramic mug', price: 3_900 };
    const basket = [
      { sku: TEA.sku, quantity: 1 },
      { sku: MUG.sku, quantity: 2 },
    ];
    const SUBTOTAL = TEA.price + 2 * MUG.price;

    /** A new customer with the sign-up bonus and the welcome coupon (5 yuan off from 30 yuan) in. */
    const newCustomer = (name: string) => steps.welcomedCustomer(name, BONUS, welcome.templateId);
    const awaitingPayment = async (customer: Customer, couponId: string): Promise<OrderResponse> => {
      const placed = await place(customer, { items: basket, couponId, pointsToUse: 60 });
      return orderBecomes(customer, placed.orderId, 'AWAITING_PAYMENT');
    };
    const callbacksOf = (paymentId: string): CapturedCallback[] => relay.captured.filter((callback) => callback.paymentId === paymentId);
    const callbacksBecome = (paymentId: string, count: number): Promise<CapturedCallback[]> =>
      waitFor(() => (callbacksOf(paymentId).length >= count ? callbacksOf(paymentId) : undefined), { what: `${count} callback(s)`, timeoutMs: SETTLE_MS });
    /** A callback sent straight to the gateway, signed as given (or not at all): its exact bytes, untyped. */
    const sendCallback = (body: Buffer | string, signature: string | undefined) =>
      gateway.call<{ code?: string; received?: boolean }>('POST', '/payments/callback', {
        headers: { 'content-type': 'application/json', ...(signature === undefined ? {} : { 'payment-signature': signature }) },
        raw: body,
      });
    const snapshotOf = async (customer: Customer, orderId: string, paymentId: string) =>
      JSON.stringify({
        order: (await orderOf(customer, orderId)).body,
        payment: (await paymentOf(customer, paymentId)).body,
        coupons: await couponsOf(customer),
        points: await pointsOf(customer),
      });

    beforeAll(async () => {
      adminToken = await gateway.logIn(ADMIN);
      for (const product of [TEA, MUG]) await expectAnswer(201, typed(adminToken).POST('/admin/products', { body: product }));
      welcome = await steps.campaign({ name: 'Welcome', discount: { kind: 'amount_off', amountOff: 500, minSpend: 3_000 }, grantOnRegister: true });
    }, 60_000);

    it('register → welcome coupon and bonus → claim → order with coupon and points → pay → PAID, coupon USED, points spent and earned → COMPLETED', async () => {
      const customer = await newCustomer('ada');
      const couponId = await steps.claim(customer, (await steps.campaign()).templateId);
      const order = await awaitingPayment(customer, couponId);
      const payable = SUBTOTAL - 1_060;
      expect(order).toMatchObject({ subtotal: SUBTOTAL, couponDiscount: 1_000, pointsUsed: 60, payable });
      expect(await couponOf(customer, couponId)).toEqual({ status: 'LOCKED', orderId: order.orderId });
      expect(await pointsOf(customer)).toEqual({ available: 40, frozen: 60, lifetimeEarned: 100, debt: 0 });

      const payment = await paymentFor(customer, order.orderId);
      expect(payment).toMatchObject({ amount: payable, currency: 'CNY', status: 'PENDING', provider: 'sandbox' });
      const simulated = await simulate(customer, payment.paymentId, { outcome: 'success' });
      expect([simulated.status, simulated.body.outcome], JSON.stringify(simulated.body)).toEqual([202, 'success']);
      const paid = await orderBecomes(customer, order.orderId, 'PAID');
      expect(paid).toMatchObject({ paymentId: payment.paymentId, amountPaid: payable });
      expect((await paymentBecomes(customer, payment.paymentId, 'SUCCEEDED')).settledAt).toEqual(expect.any(String));
      expect((await callbacksBecome(payment.paymentId, 1)).map((callback) => [callback.type, callback.status])).toEqual([['payment.succeeded', 200]]);
      await couponBecomes(customer, couponId, { status: 'USED', orderId: order.orderId });
      expect(await couponOf(customer, customer.welcomeCouponId)).toEqual({ status: 'AVAILABLE', orderId: null });
      const earned = Math.floor(payable / 100);
      await pointsBecome(customer, { available: 40 + earned, frozen: 0, lifetimeEarned: 100 + earned, debt: 0 });
      const again = await steps.startPayment(customer, order.orderId);
      expect([again.status, again.body.code]).toEqual([409, 'NOT_PAYABLE']);

      const ofOrder = { params: { path: { orderId: order.orderId } } };
      for (const step of ['accept', 'ship', 'deliver'] as const) await expectAnswer(200, typed(adminToken).POST(`/admin/orders/{orderId}/${step}`, ofOrder));
      const completed = await expectAnswer(200, typed(customer.token).POST('/orders/{orderId}/confirm-receipt', ofOrder));
      expect(completed.history.map((entry) => entry.status)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'ACCEPTED', 'SHIPPED', 'DELIVERED', 'COMPLETED']);
    });

    it('releases the coupon and the points when the customer cancels', async () => {
      const customer = await newCustomer('bea');
      const order = await awaitingPayment(customer, customer.welcomeCouponId);
      const cancelled = await answerOf(typed(customer.token).POST('/orders/{orderId}/cancel', { params: { path: { orderId: order.orderId } } }));
      expect([cancelled.status, cancelled.body.status]).toEqual([200, 'CANCELLED']);
      await couponBecomes(customer, customer.welcomeCouponId, { status: 'AVAILABLE', orderId: null });
      await pointsBecome(customer, BONUS);
    });

    it('refunds a paid order on request: the payment REFUNDED by the sandbox, the order REFUNDED, the coupon back, the points returned and clawed back', async () => {
      const customer = await newCustomer('cal');
      const order = await awaitingPayment(customer, customer.welcomeCouponId);
      const { payment } = await pay(customer, order.orderId);
      const earned = Math.floor(payment.amount / 100);
      await pointsBecome(customer, { available: 40 + earned, frozen: 0, lifetimeEarned: 100 + earned, debt: 0 });
      const refunding = await answerOf(typed(customer.token).POST('/orders/{orderId}/refund', { params: { path: { orderId: order.orderId } } }));
      expect([refunding.status, refunding.body.status]).toEqual([200, 'REFUNDING']);
      await orderBecomes(customer, order.orderId, 'REFUNDED');
      expect((await paymentBecomes(customer, payment.paymentId, 'REFUNDED')).refund).toMatchObject({
        reason: 'CUSTOMER_REQUEST',
        refundedAt: expect.any(String),
      });
      await couponBecomes(customer, customer.welcomeCouponId, { status: 'AVAILABLE', orderId: null });
      await pointsBecome(customer, BONUS);
      const listed = await expectAnswer(200, typed(adminToken).GET('/admin/payments', { params: { query: { status: 'REFUNDED' } } }));
      expect(listed.map((entry) => entry.paymentId)).toContain(payment.paymentId);
    });

    it('refunds a payment that succeeds after its order was cancelled (LATE_PAYMENT); the order stays CANCELLED', async () => {
      const customer = await newCustomer('dan');
      const order = await awaitingPayment(customer, customer.welcomeCouponId);
      const payment = await paymentFor(customer, order.orderId);
      expect((await typed(customer.token).POST('/orders/{orderId}/cancel', { params: { path: { orderId: order.orderId } } })).response.status).toBe(200);
      expect((await simulate(customer, payment.paymentId, { outcome: 'success' })).status).toBe(202);
      const refunded = await paymentBecomes(customer, payment.paymentId, 'REFUNDED');
      expect(refunded.refund).toMatchObject({ reason: 'LATE_PAYMENT', refundedAt: expect.any(String) });
      const final = (await orderOf(customer, order.orderId)).body;
      expect(final).toMatchObject({ status: 'CANCELLED', cancelReason: 'CUSTOMER_CANCELLED', paymentId: null });
      expect(final.history.map((entry) => entry.status)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'CANCELLED']);
      await couponBecomes(customer, customer.welcomeCouponId, { status: 'AVAILABLE', orderId: null });
      await pointsBecome(customer, BONUS);
    });

    it('absorbs a replayed callback and refuses forged and altered ones: nothing changes', async () => {
      const customer = await newCustomer('eve');
      const order = await awaitingPayment(customer, customer.welcomeCouponId);
      const payment = await paymentFor(customer, order.orderId);
      const forged = JSON.stringify({
        eventId: randomUUID(),
        type: 'payment.succeeded',
        paymentId: payment.paymentId,
        providerPaymentId: 'sbx_forged',
        amount: payment.amount,
        currency: 'CNY',
        occurredAt: new Date().toISOString(),
      });
      const pending = await snapshotOf(customer, order.orderId, payment.paymentId);
      for (const signature of [
        signCallback(randomBytes(32).toString('hex'), forged),
        undefined,
        signCallback(WEBHOOK_SECRET, forged, Date.now() - 10 * 60_000),
      ]) {
        const answer = await sendCallback(forged, signature);
        expect([answer.status, answer.body.code]).toEqual([401, 'INVALID_SIGNATURE']);
      }
      const wrongAmount = JSON.stringify({ ...JSON.parse(forged), amount: payment.amount + 1 });
      const mismatch = await sendCallback(wrongAmount, signCallback(WEBHOOK_SECRET, wrongAmount));
      expect([mismatch.status, mismatch.body.code]).toEqual([422, 'AMOUNT_MISMATCH']);
      expect(await snapshotOf(customer, order.orderId, payment.paymentId)).toBe(pending);

      expect((await simulate(customer, payment.paymentId, { outcome: 'success' })).status).toBe(202);
      await orderBecomes(customer, order.orderId, 'PAID');
      const earned = Math.floor(payment.amount / 100);
      await pointsBecome(customer, { available: 40 + earned, frozen: 0, lifetimeEarned: 100 + earned, debt: 0 });
      await couponBecomes(customer, customer.welcomeCouponId, { status: 'USED', orderId: order.orderId });
      const [captured] = await callbacksBecome(payment.paymentId, 1);
      const paid = await snapshotOf(customer, order.orderId, payment.paymentId);
      for (let replay = 0; replay < 3; replay++) {
        const answer = await sendCallback(captured!.body, captured!.signature);
        expect([answer.status, answer.body]).toEqual([200, { received: true }]);
      }
      const altered = captured!.body.toString('utf8').replace('"payment.succeeded"', '"payment.failed"');
      const refused = await sendCallback(altered, captured!.signature);
      expect([refused.status, refused.body.code]).toEqual([401, 'INVALID_SIGNATURE']);
      expect(await snapshotOf(customer, order.orderId, payment.paymentId)).toBe(paid);
      expect((await orderOf(customer, order.orderId)).body.history.map((entry) => entry.status)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID']);
    });

    it('leaves the order payable after a failed payment, and a second attempt pays it', async () => {
      const customer = await newCustomer('fay');
      const order = await awaitingPayment(customer, customer.welcomeCouponId);
      const first = await paymentFor(customer, order.orderId);
      expect((await simulate(customer, first.paymentId, { outcome: 'failure' })).status).toBe(202);
      expect((await paymentBecomes(customer, first.paymentId, 'FAILED')).failureReason).toBe('DECLINED');
      expect((await orderOf(customer, order.orderId)).body.status).toBe('AWAITING_PAYMENT');
      const { payment: second } = await pay(customer, order.orderId);
      expect(second.paymentId).not.toBe(first.paymentId);
      await couponBecomes(customer, customer.welcomeCouponId, { status: 'USED', orderId: order.orderId });
      const earned = Math.floor(second.amount / 100);
      await pointsBecome(customer, { available: 40 + earned, frozen: 0, lifetimeEarned: 100 + earned, debt: 0 });
    });

    it('pays an order covered wholly by a coupon and points (payable 0) by itself', async () => {
      const customer = await newCustomer('gil');
      const cover = await steps.campaign({ discount: { kind: 'amount_off', amountOff: MUG.price - 100, minSpend: MUG.price } });
      const couponId = await steps.claim(customer, cover.templateId);
      const placed = await place(customer, { items: [{ sku: MUG.sku, quantity: 1 }], couponId, pointsToUse: 100 });
      const paid = await orderBecomes(customer, placed.orderId, 'PAID');
      expect(paid).toMatchObject({ payable: 0, amountPaid: 0 });
      expect((await paymentOf(customer, paid.paymentId!)).body).toMatchObject({ amount: 0, status: 'SUCCEEDED', provider: 'none' });
      await couponBecomes(customer, couponId, { status: 'USED', orderId: placed.orderId });
      await pointsBecome(customer, { available: 0, frozen: 0, lifetimeEarned: 100, debt: 0 });
    });
  });

  it('shuts every process down cleanly on SIGTERM', async () => {
    await stopListening();
    const exitCodes = await platform.stop();
    expect(exitCodes, output()).toEqual({ gateway: 0, payment: 0, points: 0, coupon: 0, order: 0, user: 0 });
  }, 60_000);
});
