// The whole purchase end to end on the embedded platform (`npm start`: the gateway and every context in
// this process, SQLite, the in-memory transport, the demo catalog, the sandbox provider), through the
// gateway only, as a customer and an admin would (issue 12, DESIGN.md section 6): register → welcome
// coupon and sign-up bonus → claim → order with a coupon and points → pay (POST /payments, then the
// sandbox's simulate: the provider calls back) → PAID, the coupon USED, points spent and earned → the
// fulfilment to COMPLETED; refunds returning the coupon and the points; a payment arriving after its
// order was cancelled refunded on its own; duplicate and forged callbacks harmless; a failed payment
// followed by a good one; an order paid wholly with a coupon and points.
// The sandbox calls back over HTTP (PAYMENT_SANDBOX_CALLBACK_URL) through a relay of the test's own to
// the gateway's POST /payments/callback, as a provider would: the gateway forwards the signed bytes
// unchanged and the payment service checks the signature over them; the relay keeps each callback so
// that a test can replay it or forge one from it.
// Requests go through the typed client a front-end uses (@shop/client: the support's `api` and shopSteps),
// so a route or body the gateway's OpenAPI document does not have fails to compile; only the callbacks'
// exact bytes are sent as written (`call`).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CouponTemplateResponse, OrderResponse, ProductResponse } from '@shop/client';
import { silentLogger } from '@shop/observability';
import { waitFor } from '@shop/testing';
import { startEmbeddedPlatform, type EmbeddedPlatform } from '../src/embedded-platform.js';
import { signCallback, startCallbackRelay, type CallbackRelay, type CapturedCallback } from './support/callback-relay.js';
import { answerOf, expectAnswer, gatewayClient, type Answer } from './support/gateway-client.js';
import { shopSteps, type Customer } from './support/shop-steps.js';

const ADMIN = { email: 'purchase-admin@shop.example', password: 'an admin passphrase' };
const WEBHOOK_SECRET = randomBytes(32).toString('hex');
const SETTLE_MS = 20_000;
const BONUS = { available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 };

// Each test waits on several steps of the saga in turn, each bounded by SETTLE_MS: more than the unit tests' default timeout under load.
describe('the whole purchase through the gateway, on the embedded platform with the sandbox provider', { timeout: 60_000 }, () => {
  let platform: EmbeddedPlatform;
  let relay: CallbackRelay;
  let dataDir: string;
  let adminToken: string;
  let welcome: CouponTemplateResponse;
  /** Two products of the demo catalog, enough of the first to reach 60 yuan, and the cheapest product. */
  let basket: Array<{ sku: string; quantity: number }>;
  let subtotal: number;
  let cheapest: ProductResponse;

  const gateway = gatewayClient(() => platform.apiUrl);
  const { api, call, logIn } = gateway;
  const steps = shopSteps(gateway, { settleMs: SETTLE_MS, adminToken: () => adminToken });
  const { pointsOf, pointsBecome, couponsOf, couponOf, couponBecomes, place, orderOf, orderBecomes, paymentFor, simulate, paymentOf, paymentBecomes, pay } =
    steps;

  /** A new customer with the sign-up bonus and the welcome coupon in: their welcome coupon's id. */
  const newCustomer = (name: string) => steps.welcomedCustomer(name, BONUS, welcome.templateId);

  /** A customer's order of the basket with the coupon and 60 points, awaiting its payment. */
  const awaitingPayment = async (customer: Customer, couponId: string): Promise<OrderResponse> => {
    const placed = await place(customer, { items: basket, couponId, pointsToUse: 60 });
    expect(placed.status).toBe('PENDING');
    return orderBecomes(customer, placed.orderId, 'AWAITING_PAYMENT');
  };

  /** The callbacks the sandbox sent for a payment so far, through the relay. */
  const callbacksOf = (paymentId: string): CapturedCallback[] => relay.captured.filter((callback) => callback.paymentId === paymentId);
  /** Waits for the relay to have passed on `count` callbacks of the payment (the gateway answers the relay after the payment commits). */
  const callbacksBecome = (paymentId: string, count: number): Promise<CapturedCallback[]> =>
    waitFor(() => (callbacksOf(paymentId).length >= count ? callbacksOf(paymentId) : undefined), { what: `${count} callback(s)`, timeoutMs: SETTLE_MS });
  /** A callback sent straight to the gateway, signed as given (or not at all): its exact bytes, untyped. */
  const sendCallback = (body: Buffer | string, signature: string | undefined) =>
    call<{ code?: string; received?: boolean }>('POST', '/payments/callback', {
      headers: { 'content-type': 'application/json', ...(signature === undefined ? {} : { 'payment-signature': signature }) },
      raw: body,
    });

  /** What a customer sees of an order, their payment, coupons and points: what a harmless request must leave as it was. */
  const snapshotOf = async (customer: Customer, orderId: string, paymentId: string) =>
    JSON.stringify({
      order: (await orderOf(customer, orderId)).body,
      payment: (await paymentOf(customer, paymentId)).body,
      coupons: await couponsOf(customer),
      points: await pointsOf(customer),
    });

  beforeAll(async () => {
    relay = await startCallbackRelay(() => `${platform.apiUrl}/payments/callback`);
    dataDir = mkdtempSync(join(tmpdir(), 'shop-embedded-purchase-'));
    platform = await startEmbeddedPlatform({
      dataDir,
      port: 0,
      host: '127.0.0.1',
      env: {
        RATE_LIMIT_PER_MINUTE: '0',
        SHOP_ADMIN_EMAIL: ADMIN.email,
        SHOP_ADMIN_PASSWORD: ADMIN.password,
        PAYMENT_WEBHOOK_SECRET: WEBHOOK_SECRET,
        PAYMENT_SANDBOX_CALLBACK_URL: relay.url,
      },
      logger: silentLogger(),
    });
    adminToken = await logIn(ADMIN);
    // A welcome campaign: every customer registered from now on is granted 5 yuan off from 30 yuan.
    welcome = await steps.campaign({ name: 'Welcome', discount: { kind: 'amount_off', amountOff: 500, minSpend: 3_000 }, grantOnRegister: true });
    const catalog = await expectAnswer(200, api(adminToken).GET('/products'));
    const [first, second] = catalog;
    if (!first || !second) throw new Error(`the demo catalog has ${catalog.length} products`);
    basket = [
      { sku: first.sku, quantity: Math.min(99, Math.ceil(6_000 / first.price)) },
      { sku: second.sku, quantity: 1 },
    ];
    subtotal = basket[0]!.quantity * first.price + second.price;
    cheapest = [...catalog].sort((a, b) => a.price - b.price)[0]!;
  }, 60_000);
  afterAll(async () => {
    await platform?.close();
    await relay?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('register → welcome coupon and sign-up bonus → claim → order with coupon and points → pay → PAID, coupon USED, points spent and earned → COMPLETED', async () => {
    const customer = await newCustomer('ada');
    const campaign = await steps.campaign();
    const couponId = await steps.claim(customer, campaign.templateId);
    const order = await awaitingPayment(customer, couponId);
    const payable = subtotal - 1_000 - 60;
    expect(order).toMatchObject({ subtotal, couponDiscount: 1_000, pointsUsed: 60, payable, paymentId: null });
    expect(await couponOf(customer, couponId)).toEqual({ status: 'LOCKED', orderId: order.orderId });
    expect(await pointsOf(customer)).toEqual({ available: 40, frozen: 60, lifetimeEarned: 100, debt: 0 });

    // The payment: its amount is the order's payable, taken from the order's own event.
    const key = randomUUID();
    const started = await waitFor(
      async () => {
        const answer = await steps.startPayment(customer, order.orderId, key);
        return answer.status === 404 ? undefined : answer;
      },
      { what: 'the payment context to know the order', timeoutMs: SETTLE_MS },
    );
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const payment = started.body;
    expect(payment).toEqual({
      paymentId: expect.any(String),
      orderId: order.orderId,
      amount: payable,
      currency: 'CNY',
      status: 'PENDING',
      provider: 'sandbox',
      createdAt: expect.any(String),
      settledAt: null,
      failureReason: null,
      refund: null,
    });
    // The same request again (a retry after a lost answer) is the same payment; another key while it is pending is refused.
    const again = await steps.startPayment(customer, order.orderId, key);
    expect([again.status, again.body]).toEqual([201, payment]);
    const second = await steps.startPayment(customer, order.orderId);
    expect([second.status, second.body.code]).toEqual([409, 'PAYMENT_IN_PROGRESS']);
    expect((await paymentOf(customer, payment.paymentId)).body).toEqual(payment);
    // Nobody else sees it or settles it.
    const stranger = await gateway.newCustomer('eve');
    const byStranger = { params: { path: { paymentId: payment.paymentId } } };
    const strangers: Array<readonly [string, Answer<{ readonly code?: string }>]> = [
      ['GET /payments/{paymentId}', await answerOf(api(stranger.token).GET('/payments/{paymentId}', byStranger))],
      [
        'POST /payments/{paymentId}/simulate',
        await answerOf(api(stranger.token).POST('/payments/{paymentId}/simulate', { ...byStranger, body: { outcome: 'success' } })),
      ],
    ];
    for (const [what, answer] of strangers) expect([answer.status, answer.body.code], what).toEqual([404, 'PAYMENT_NOT_FOUND']);
    const foreign = await steps.startPayment(stranger, order.orderId);
    expect([foreign.status, foreign.body.code]).toEqual([404, 'ORDER_NOT_FOUND']);

    // The customer pays in the sandbox: it answers at once, then calls back (signed) through the gateway.
    const simulated = await simulate(customer, payment.paymentId, { outcome: 'success' });
    expect(simulated.status, JSON.stringify(simulated.body)).toBe(202);
    expect(simulated.body).toEqual({ paymentId: payment.paymentId, outcome: 'success', callback: 'send', refunds: 'accept' });
    const succeeded = await paymentBecomes(customer, payment.paymentId, 'SUCCEEDED');
    expect(succeeded).toMatchObject({ amount: payable, settledAt: expect.any(String), failureReason: null, refund: null });
    const [callback] = await callbacksBecome(payment.paymentId, 1);
    expect(callback).toMatchObject({ type: 'payment.succeeded', status: 200 });
    expect(callback!.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);

    const paid = await orderBecomes(customer, order.orderId, 'PAID');
    expect(paid).toMatchObject({ paymentId: payment.paymentId, amountPaid: payable });
    await couponBecomes(customer, couponId, { status: 'USED', orderId: order.orderId });
    expect(await couponOf(customer, customer.welcomeCouponId)).toEqual({ status: 'AVAILABLE', orderId: null });
    const earned = Math.floor(payable / 100);
    await pointsBecome(customer, { available: 40 + earned, frozen: 0, lifetimeEarned: 100 + earned, debt: 0 });
    // Paid: no second payment.
    const afterPaid = await steps.startPayment(customer, order.orderId);
    expect([afterPaid.status, afterPaid.body.code]).toEqual([409, 'NOT_PAYABLE']);

    for (const [step, status] of [
      ['accept', 'ACCEPTED'],
      ['ship', 'SHIPPED'],
      ['deliver', 'DELIVERED'],
    ] as const) {
      const answer = await answerOf(api(adminToken).POST(`/admin/orders/{orderId}/${step}`, { params: { path: { orderId: order.orderId } } }));
      expect([answer.status, answer.body.status], JSON.stringify(answer.body)).toEqual([200, status]);
    }
    const completed = await expectAnswer(200, api(customer.token).POST('/orders/{orderId}/confirm-receipt', { params: { path: { orderId: order.orderId } } }));
    expect(completed.history.map((entry) => entry.status)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'ACCEPTED', 'SHIPPED', 'DELIVERED', 'COMPLETED']);
    expect((await paymentOf(customer, payment.paymentId)).body).toEqual(succeeded);
  });

  it('absorbs a replayed callback (200, nothing changes) and refuses forged, altered, stale and unsigned ones (401), a wrong amount (422)', async () => {
    const customer = await newCustomer('bea');
    const order = await awaitingPayment(customer, customer.welcomeCouponId);
    const payment = await paymentFor(customer, order.orderId);

    // Before the customer pays: a success the provider never sent, in every wrong way, leaves the payment PENDING.
    const forged = Buffer.from(
      JSON.stringify({
        eventId: randomUUID(),
        type: 'payment.succeeded',
        paymentId: payment.paymentId,
        providerPaymentId: 'sbx_forged',
        amount: payment.amount,
        currency: 'CNY',
        occurredAt: new Date().toISOString(),
      }),
    );
    const pending = await snapshotOf(customer, order.orderId, payment.paymentId);
    for (const [what, signature, status, code] of [
      ['signed with another secret', signCallback(randomBytes(32).toString('hex'), forged), 401, 'INVALID_SIGNATURE'],
      ['unsigned', undefined, 401, 'INVALID_SIGNATURE'],
      ['with a malformed signature', 'v1=abc', 401, 'INVALID_SIGNATURE'],
      ['signed 10 minutes ago', signCallback(WEBHOOK_SECRET, forged, Date.now() - 10 * 60_000), 401, 'INVALID_SIGNATURE'],
      ['signed 10 minutes ahead', signCallback(WEBHOOK_SECRET, forged, Date.now() + 10 * 60_000), 401, 'INVALID_SIGNATURE'],
    ] as const) {
      const answer = await sendCallback(forged, signature);
      expect([answer.status, answer.body.code], what).toEqual([status, code]);
      expect(answer.contentType, what).toMatch(/^application\/problem\+json/);
    }
    // Signed right, but not the payment's amount or currency: refused, nothing changes.
    for (const [change, code] of [
      [{ amount: payment.amount - 1 }, 'AMOUNT_MISMATCH'],
      [{ currency: 'USD' }, 'CURRENCY_MISMATCH'],
    ] as const) {
      const body = JSON.stringify({ ...JSON.parse(forged.toString()), ...change });
      const answer = await sendCallback(body, signCallback(WEBHOOK_SECRET, body));
      expect([answer.status, answer.body.code], code).toEqual([422, code]);
    }
    expect(await snapshotOf(customer, order.orderId, payment.paymentId)).toBe(pending);

    // The customer pays: the sandbox's own callback goes through.
    expect((await simulate(customer, payment.paymentId, { outcome: 'success' })).status).toBe(202);
    await orderBecomes(customer, order.orderId, 'PAID');
    const earned = Math.floor(payment.amount / 100);
    await pointsBecome(customer, { available: 40 + earned, frozen: 0, lifetimeEarned: 100 + earned, debt: 0 });
    await couponBecomes(customer, customer.welcomeCouponId, { status: 'USED', orderId: order.orderId });
    const [captured] = await callbacksBecome(payment.paymentId, 1);
    expect(captured?.status).toBe(200);
    const paid = await snapshotOf(customer, order.orderId, payment.paymentId);

    // The captured callback replayed as it was (inside the replay window): a duplicate, answered 200, nothing changes.
    for (let replay = 0; replay < 3; replay++) {
      const answer = await sendCallback(captured!.body, captured!.signature);
      expect([answer.status, answer.body], 'a replay').toEqual([200, { received: true }]);
    }
    // Its bytes changed under its signature (a failure instead, another amount, one more space): refused.
    const text = captured!.body.toString('utf8');
    for (const altered of [text.replace('"payment.succeeded"', '"payment.failed"'), text.replace(`"amount":${payment.amount}`, '"amount":1'), `${text} `]) {
      expect(altered).not.toBe(text);
      const answer = await sendCallback(altered, captured!.signature);
      expect([answer.status, answer.body.code]).toEqual([401, 'INVALID_SIGNATURE']);
    }
    // A failure the provider would have sent after the success (signed right): late, 200, nothing changes.
    const lateFailure = JSON.stringify({ ...JSON.parse(text), eventId: randomUUID(), type: 'payment.failed', failureReason: 'card declined' });
    const late = await sendCallback(lateFailure, signCallback(WEBHOOK_SECRET, lateFailure));
    expect(late.status, JSON.stringify(late.body)).toBe(200);
    // The sandbox asked again with the same outcome sends its callback once more: a duplicate too.
    expect((await simulate(customer, payment.paymentId, { outcome: 'success' })).status).toBe(202);
    expect((await callbacksBecome(payment.paymentId, 2)).map((callback) => callback.status)).toEqual([200, 200]);
    const otherOutcome = await simulate(customer, payment.paymentId, { outcome: 'failure' });
    expect([otherOutcome.status, otherOutcome.body.code]).toEqual([409, 'ALREADY_SETTLED']);

    expect(await snapshotOf(customer, order.orderId, payment.paymentId)).toBe(paid);
    const history = (await orderOf(customer, order.orderId)).body.history.map((entry) => entry.status);
    expect(history).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID']);
  });

  it('leaves the order payable after a failed payment (DECLINED), and a second attempt pays it', async () => {
    const customer = await newCustomer('cal');
    const order = await awaitingPayment(customer, customer.welcomeCouponId);
    const first = await paymentFor(customer, order.orderId);
    const simulated = await simulate(customer, first.paymentId, { outcome: 'failure' });
    expect([simulated.status, simulated.body.outcome]).toEqual([202, 'failure']);
    const failed = await paymentBecomes(customer, first.paymentId, 'FAILED');
    expect(failed).toMatchObject({ failureReason: 'DECLINED', settledAt: expect.any(String) });
    expect((await callbacksBecome(first.paymentId, 1)).map((callback) => [callback.type, callback.status])).toEqual([['payment.failed', 200]]);
    // The order waits on (a failure is not its business): the coupon and the points stay reserved for it.
    expect((await orderOf(customer, order.orderId)).body).toMatchObject({ status: 'AWAITING_PAYMENT', paymentId: null });
    expect(await couponOf(customer, customer.welcomeCouponId)).toEqual({ status: 'LOCKED', orderId: order.orderId });
    expect(await pointsOf(customer)).toEqual({ available: 40, frozen: 60, lifetimeEarned: 100, debt: 0 });
    // The failed charge stays failed.
    const retried = await simulate(customer, first.paymentId, { outcome: 'success' });
    expect([retried.status, retried.body.code]).toEqual([409, 'ALREADY_SETTLED']);

    const { payment: second } = await pay(customer, order.orderId);
    expect(second.paymentId).not.toBe(first.paymentId);
    expect(second.amount).toBe(first.amount);
    expect((await paymentOf(customer, first.paymentId)).body).toEqual(failed);
    await couponBecomes(customer, customer.welcomeCouponId, { status: 'USED', orderId: order.orderId });
    const earned = Math.floor(second.amount / 100);
    await pointsBecome(customer, { available: 40 + earned, frozen: 0, lifetimeEarned: 100 + earned, debt: 0 });
  });

  it('refunds a paid order on the customer’s request: the payment REFUNDED, the order REFUNDED, the coupon back, the points returned and clawed back', async () => {
    const customer = await newCustomer('dan');
    const order = await awaitingPayment(customer, customer.welcomeCouponId);
    const { payment } = await pay(customer, order.orderId);
    const earned = Math.floor(payment.amount / 100);
    await pointsBecome(customer, { available: 40 + earned, frozen: 0, lifetimeEarned: 100 + earned, debt: 0 });
    await couponBecomes(customer, customer.welcomeCouponId, { status: 'USED', orderId: order.orderId });

    const refunding = await answerOf(api(customer.token).POST('/orders/{orderId}/refund', { params: { path: { orderId: order.orderId } } }));
    expect([refunding.status, refunding.body.status]).toEqual([200, 'REFUNDING']);
    const refunded = await orderBecomes(customer, order.orderId, 'REFUNDED');
    expect(refunded.history.map((entry) => entry.status)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'REFUNDING', 'REFUNDED']);
    const settled = await paymentBecomes(customer, payment.paymentId, 'REFUNDED');
    expect(settled.refund).toMatchObject({ reason: 'CUSTOMER_REQUEST', lastError: null, nextAttemptAt: null, refundedAt: expect.any(String) });
    await couponBecomes(customer, customer.welcomeCouponId, { status: 'AVAILABLE', orderId: null });
    await pointsBecome(customer, BONUS);

    // Admins see it; customers do not see the admin list.
    const listed = await expectAnswer(200, api(adminToken).GET('/admin/payments', { params: { query: { status: 'REFUNDED' } } }));
    expect(listed.find((entry) => entry.paymentId === payment.paymentId)).toEqual({ ...settled, userId: customer.userId });
    expect((await api(customer.token).GET('/admin/payments')).response.status).toBe(403);
    const noRefundPending = await answerOf(
      api(adminToken).POST('/admin/payments/{paymentId}/retry-refund', { params: { path: { paymentId: payment.paymentId } } }),
    );
    expect([noRefundPending.status, noRefundPending.body.code]).toEqual([409, 'NO_REFUND_PENDING']);
    // A second refund request is refused by the order; the payment stays refunded once.
    const again = await answerOf(api(customer.token).POST('/orders/{orderId}/refund', { params: { path: { orderId: order.orderId } } }));
    expect([again.status, again.body.code]).toEqual([409, 'INVALID_STATE']);
  });

  it('refunds a payment that succeeds after its order was cancelled (LATE_PAYMENT): the order stays CANCELLED, its coupon and points released, the payment REFUNDED', async () => {
    const customer = await newCustomer('fay');
    const order = await awaitingPayment(customer, customer.welcomeCouponId);
    const payment = await paymentFor(customer, order.orderId);
    // The customer cancels while the payment is open, then pays at the provider all the same.
    const cancelled = await answerOf(api(customer.token).POST('/orders/{orderId}/cancel', { params: { path: { orderId: order.orderId } } }));
    expect([cancelled.status, cancelled.body.status]).toEqual([200, 'CANCELLED']);
    expect((await simulate(customer, payment.paymentId, { outcome: 'success' })).status).toBe(202);

    const refunded = await paymentBecomes(customer, payment.paymentId, 'REFUNDED');
    expect(refunded.refund).toMatchObject({ reason: 'LATE_PAYMENT', refundedAt: expect.any(String) });
    const final = (await orderOf(customer, order.orderId)).body;
    expect(final).toMatchObject({ status: 'CANCELLED', cancelReason: 'CUSTOMER_CANCELLED', paymentId: null, amountPaid: null });
    expect(final.history.map((entry) => entry.status)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'CANCELLED']);
    await couponBecomes(customer, customer.welcomeCouponId, { status: 'AVAILABLE', orderId: null });
    await pointsBecome(customer, BONUS);
    // The cancelled order takes no new payment (its payment succeeded and was refunded).
    const closed = await steps.startPayment(customer, order.orderId);
    expect([closed.status, closed.body.code]).toEqual([409, 'NOT_PAYABLE']);
  });

  it('pays an order covered wholly by a coupon and points (payable 0) by itself: PAID with a payment of 0, no provider', async () => {
    const customer = await newCustomer('gil');
    // The cheapest product, its price less the sign-up bonus off: 100 points pay the rest.
    const cover = await steps.campaign({ discount: { kind: 'amount_off', amountOff: cheapest.price - 100, minSpend: cheapest.price } });
    const couponId = await steps.claim(customer, cover.templateId);
    const placed = await place(customer, { items: [{ sku: cheapest.sku, quantity: 1 }], couponId, pointsToUse: 100 });
    const paid = await orderBecomes(customer, placed.orderId, 'PAID');
    expect(paid).toMatchObject({ subtotal: cheapest.price, payable: 0, amountPaid: 0, paymentId: expect.any(String) });
    expect(paid.history.map((entry) => entry.status)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID']);
    const payment = (await paymentOf(customer, paid.paymentId!)).body;
    expect(payment).toMatchObject({ orderId: placed.orderId, amount: 0, currency: 'CNY', status: 'SUCCEEDED', provider: 'none', failureReason: null });
    expect(callbacksOf(payment.paymentId)).toEqual([]);
    await couponBecomes(customer, couponId, { status: 'USED', orderId: placed.orderId });
    await pointsBecome(customer, { available: 0, frozen: 0, lifetimeEarned: 100, debt: 0 });
    const more = await steps.startPayment(customer, placed.orderId);
    expect([more.status, more.body.code]).toEqual([409, 'NOT_PAYABLE']);
  });

  it('keeps retrying a refund the provider refuses, visible to admins (attempts, last error, next attempt), the order REFUNDING meanwhile', async () => {
    const customer = await newCustomer('hal');
    const order = await awaitingPayment(customer, customer.welcomeCouponId);
    const payment = await paymentFor(customer, order.orderId);
    expect((await simulate(customer, payment.paymentId, { outcome: 'success', refunds: 'refuse' })).body).toMatchObject({ refunds: 'refuse' });
    await orderBecomes(customer, order.orderId, 'PAID');
    expect((await api(customer.token).POST('/orders/{orderId}/refund', { params: { path: { orderId: order.orderId } } })).response.status).toBe(200);

    const refusing = await waitFor(
      async () => {
        const refunding = await expectAnswer(200, api(adminToken).GET('/admin/payments', { params: { query: { status: 'REFUNDING' } } }));
        const entry = refunding.find((candidate) => candidate.paymentId === payment.paymentId);
        return entry?.refund && entry.refund.attempts >= 1 ? entry : undefined;
      },
      { what: 'a refused refund attempt', timeoutMs: SETTLE_MS },
    );
    expect(refusing).toMatchObject({ userId: customer.userId, status: 'REFUNDING', refund: { reason: 'CUSTOMER_REQUEST', refundedAt: null } });
    expect(refusing.refund!.lastError).toEqual(expect.any(String));
    expect(Date.parse(refusing.refund!.nextAttemptAt!)).toBeGreaterThan(Date.parse(refusing.refund!.requestedAt));
    // An admin asks for the next attempt now: still refused, counted, and still pending.
    const retried = await answerOf(api(adminToken).POST('/admin/payments/{paymentId}/retry-refund', { params: { path: { paymentId: payment.paymentId } } }));
    expect([retried.status, retried.body.status], JSON.stringify(retried.body)).toEqual([200, 'REFUNDING']);
    expect(Date.parse(retried.body.refund!.nextAttemptAt!)).toBeLessThanOrEqual(Date.now());
    await waitFor(async () => ((await paymentOf(customer, payment.paymentId)).body.refund?.attempts ?? 0) > refusing.refund!.attempts, {
      what: 'the admin’s retry',
      timeoutMs: SETTLE_MS,
    });
    expect((await orderOf(customer, order.orderId)).body.status).toBe('REFUNDING');
    expect((await paymentOf(customer, payment.paymentId)).body.status).toBe('REFUNDING');
  });
});
