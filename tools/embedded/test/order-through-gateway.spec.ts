// Orders end to end on the embedded defaults (`npm start`): the gateway and every context in this
// process, SQLite, in-memory transport, the demo catalog seeded (ORDER_DEMO_CATALOG is on by default
// here). Customers register and log in, claim coupons and get the sign-up bonus, and place and follow
// orders, all through the gateway; the order saga runs over the platform's transport with the real
// coupon, points and payment services. Orders are paid as a customer pays in the sandbox (POST /payments,
// then its simulate: the sandbox calls back in-process, signed, as `npm start` runs it); the test hears
// order.refund-requested.v1 on the transport. purchase-through-gateway.spec.ts follows the payments themselves.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderRefundRequestedV1, OrderResponse, ProductResponse } from '@shop/contracts';
import { silentLogger } from '@shop/observability';
import { EventProbe, waitFor } from '@shop/testing';
import { startEmbeddedPlatform, type EmbeddedPlatform } from '../src/embedded-platform.js';
import { gatewayClient } from './support/gateway-client.js';
import { shopSteps, type Customer } from './support/shop-steps.js';

const ADMIN = { email: 'orders-admin@shop.example', password: 'an admin passphrase' };
const SETTLE_MS = 20_000;

describe('orders through the gateway, on the embedded platform', () => {
  let platform: EmbeddedPlatform;
  let dataDir: string;
  let adminToken: string;
  let refunds: { probe: EventProbe<OrderRefundRequestedV1>; stop: () => Promise<void> };
  /** Two products of the demo catalog, and a basket of them worth at least 60 yuan. */
  let basket: Array<{ sku: string; quantity: number }>;
  let subtotal: number;
  let products: ProductResponse[];

  const gateway = gatewayClient(() => platform.apiUrl);
  const { call, logIn } = gateway;
  const steps = shopSteps(gateway, { settleMs: SETTLE_MS, adminToken: () => adminToken });
  const { pointsOf, pointsBecome, couponOf, couponBecomes, place, orderOf, orderBecomes } = steps;

  /** A new customer, registered through the gateway, with the sign-up bonus (100 points) in. */
  const newCustomer = async (name: string): Promise<Customer> => {
    const customer = await gateway.newCustomer(name);
    await waitFor(async () => (await pointsOf(customer)).lifetimeEarned === 100, { what: 'the sign-up bonus', timeoutMs: SETTLE_MS });
    return customer;
  };

  /** A coupon of a new campaign (10 yuan off), claimed by the customer. */
  const couponFor = async (customer: Customer, minSpend = 5_000): Promise<string> => {
    const template = await steps.campaign({
      name: `Orders ${randomUUID().slice(0, 8)}`,
      discount: { kind: 'amount_off', amountOff: 1_000, minSpend },
      totalStock: 10,
    });
    return steps.claim(customer, template.templateId);
  };

  /** Pays the order in the sandbox (POST /payments, simulate success): its payment id once the order is PAID. */
  const pay = async (customer: Customer, order: OrderResponse): Promise<string> => (await steps.pay(customer, order.orderId)).payment.paymentId;

  /** A customer's order with a coupon and 60 points, awaiting its payment. */
  const awaitingPayment = async (name: string): Promise<{ customer: Customer; couponId: string; order: OrderResponse }> => {
    const customer = await newCustomer(name);
    const couponId = await couponFor(customer);
    const placed = await place(customer, { items: basket, couponId, pointsToUse: 60 });
    expect(placed.status).toBe('PENDING');
    return { customer, couponId, order: await orderBecomes(customer, placed.orderId, 'AWAITING_PAYMENT') };
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'shop-embedded-order-'));
    platform = await startEmbeddedPlatform({
      dataDir,
      port: 0,
      host: '127.0.0.1',
      env: { RATE_LIMIT_PER_MINUTE: '0', SHOP_ADMIN_EMAIL: ADMIN.email, SHOP_ADMIN_PASSWORD: ADMIN.password },
      logger: silentLogger(),
    });
    adminToken = await logIn(ADMIN);
    // The demo catalog, seeded at start: two of its products, enough of the first to reach 60 yuan (over the coupons' minimum spend of 50).
    const catalog = await call<ProductResponse[]>('GET', '/admin/products', { token: adminToken });
    expect(catalog.status).toBe(200);
    products = catalog.body.filter((product) => product.active);
    const [first, second] = products;
    if (!first || !second) throw new Error(`the demo catalog has ${products.length} active products`);
    basket = [
      { sku: first.sku, quantity: Math.min(99, Math.ceil(6_000 / first.price)) },
      { sku: second.sku, quantity: 1 },
    ];
    subtotal = basket[0]!.quantity * first.price + second.price;
    refunds = await EventProbe.listen<OrderRefundRequestedV1>(platform.transport, 'e2e_refund_probe', ['order.refund-requested.v1']);
  }, 60_000);
  afterAll(async () => {
    await refunds?.stop();
    await platform?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists the demo catalog at GET /products, active products by sku, and places an order priced from it', async () => {
    const customer = await newCustomer('ada');
    const catalog = await call<ProductResponse[]>('GET', '/products', { token: customer.token });
    expect(catalog.status).toBe(200);
    expect(catalog.body).toEqual(products);
    expect(catalog.body.length).toBeGreaterThanOrEqual(5);
    expect(catalog.body.map((product) => product.sku)).toEqual(catalog.body.map((product) => product.sku).sort());
    for (const product of catalog.body) expect(product).toMatchObject({ active: true, price: expect.any(Number) });
    const [first, second] = products;

    // No coupon, no points: nothing to reserve, so it awaits its payment at once.
    const placed = await place(customer, { items: basket });
    expect(placed.status).toBe('AWAITING_PAYMENT');
    const order = await orderOf(customer, placed.orderId);
    expect(order.status).toBe(200);
    expect(order.body).toMatchObject({ userId: customer.userId, status: 'AWAITING_PAYMENT', subtotal, payable: subtotal, couponDiscount: 0, pointsUsed: 0 });
    expect(order.body.items).toEqual([
      { sku: first!.sku, name: first!.name, quantity: basket[0]!.quantity, unitPrice: first!.price, lineTotal: basket[0]!.quantity * first!.price },
      { sku: second!.sku, name: second!.name, quantity: 1, unitPrice: second!.price, lineTotal: second!.price },
    ]);
    const mine = await call<OrderResponse[]>('GET', '/orders', { token: customer.token });
    expect(mine.body.map((entry) => entry.orderId)).toEqual([placed.orderId]);
  });

  it('places an order with a coupon and points: AWAITING_PAYMENT; paid: PAID, the coupon USED, the points spent and earned', async () => {
    const { customer, couponId, order } = await awaitingPayment('bea');
    expect(order).toMatchObject({ subtotal, couponDiscount: 1_000, pointsUsed: 60, payable: subtotal - 1_060 });
    expect(await couponOf(customer, couponId)).toEqual({ status: 'LOCKED', orderId: order.orderId });
    expect(await pointsOf(customer)).toEqual({ available: 40, frozen: 60, lifetimeEarned: 100, debt: 0 });

    const paymentId = await pay(customer, order);
    const paid = await orderBecomes(customer, order.orderId, 'PAID');
    expect(paid).toMatchObject({ amountPaid: subtotal - 1_060, paymentId });
    await couponBecomes(customer, couponId, { status: 'USED', orderId: order.orderId });
    const earned = Math.floor((subtotal - 1_060) / 100);
    await pointsBecome(customer, { available: 40 + earned, frozen: 0, lifetimeEarned: 100 + earned, debt: 0 });
  });

  it('places once for one Idempotency-Key: the same request again answers the same, and the customer has one order', async () => {
    const customer = await newCustomer('ian');
    const key = randomUUID();
    const body = { items: basket, couponId: await couponFor(customer), pointsToUse: 60 };
    const first = await call<{ orderId: string; status: string }>('POST', '/orders', { token: customer.token, body, headers: { 'idempotency-key': key } });
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    const again = await call<{ orderId: string; status: string }>('POST', '/orders', { token: customer.token, body, headers: { 'idempotency-key': key } });
    expect([again.status, again.body]).toEqual([202, first.body]);
    const mine = await call<OrderResponse[]>('GET', '/orders', { token: customer.token });
    expect(mine.body.map((order) => order.orderId)).toEqual([first.body.orderId]);
    // One reservation of each: the order goes on as usual.
    const order = await orderBecomes(customer, first.body.orderId, 'AWAITING_PAYMENT');
    expect(order).toMatchObject({ couponDiscount: 1_000, pointsUsed: 60 });
    expect(await pointsOf(customer)).toEqual({ available: 40, frozen: 60, lifetimeEarned: 100, debt: 0 });
  });

  it('cancels an order asking for more points than the customer has (POINTS_INSUFFICIENT_POINTS), releasing its coupon', async () => {
    const customer = await newCustomer('jo');
    const couponId = await couponFor(customer);
    // The sign-up bonus is 100 points.
    const placed = await place(customer, { items: basket, couponId, pointsToUse: 500 });
    expect(placed.status).toBe('PENDING');
    const order = await orderBecomes(customer, placed.orderId, 'CANCELLED');
    expect(order).toMatchObject({ cancelReason: 'POINTS_INSUFFICIENT_POINTS', payable: null, pointsUsed: 0 });
    expect(order.history.map((entry) => [entry.status, entry.reason])).toEqual([
      ['PENDING', null],
      ['CANCELLED', 'POINTS_INSUFFICIENT_POINTS'],
    ]);
    // Locked for the order or not yet when it was cancelled: available again either way.
    await couponBecomes(customer, couponId, { status: 'AVAILABLE', orderId: null });
    expect(await pointsOf(customer)).toEqual({ available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 });
  });

  it('releases the coupon and the points when the customer cancels', async () => {
    const { customer, couponId, order } = await awaitingPayment('cal');
    const cancelled = await call<OrderResponse>('POST', `/orders/${order.orderId}/cancel`, { token: customer.token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'CUSTOMER_CANCELLED' });
    await couponBecomes(customer, couponId, { status: 'AVAILABLE', orderId: null });
    await pointsBecome(customer, { available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 });
    const again = await call('POST', `/orders/${order.orderId}/cancel`, { token: customer.token });
    expect([again.status, again.body.code]).toEqual([409, 'INVALID_STATE']);
  });

  it('cancels an order whose coupon the order does not qualify for (COUPON_BELOW_MIN_SPEND), releasing its points', async () => {
    const customer = await newCustomer('dan');
    const couponId = await couponFor(customer, subtotal + 1);
    const placed = await place(customer, { items: basket, couponId, pointsToUse: 60 });
    const order = await orderBecomes(customer, placed.orderId, 'CANCELLED');
    expect(order).toMatchObject({ cancelReason: 'COUPON_BELOW_MIN_SPEND', payable: null });
    await pointsBecome(customer, { available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 });
    expect(await couponOf(customer, couponId)).toEqual({ status: 'AVAILABLE', orderId: null });
  });

  it('answers 404 ORDER_NOT_FOUND for another customer’s order, and changes nothing', async () => {
    const { order } = await awaitingPayment('eve');
    const stranger = await newCustomer('fay');
    for (const [method, path] of [
      ['GET', `/orders/${order.orderId}`],
      ['POST', `/orders/${order.orderId}/cancel`],
      ['POST', `/orders/${order.orderId}/refund`],
      ['POST', `/orders/${order.orderId}/confirm-receipt`],
    ] as const) {
      const answer = await call(method, path, { token: stranger.token });
      expect([answer.status, answer.body.code], `${method} ${path}`).toEqual([404, 'ORDER_NOT_FOUND']);
      expect(answer.contentType).toMatch(/^application\/problem\+json/);
    }
    expect((await call<OrderResponse[]>('GET', '/orders', { token: stranger.token })).body).toEqual([]);
  });

  it('takes a paid order through accept, ship and deliver (admin) and the customer’s confirmation to COMPLETED; a customer may not fulfil', async () => {
    const { customer, order } = await awaitingPayment('gil');
    await pay(customer, order);
    const refused = await call('POST', `/admin/orders/${order.orderId}/accept`, { token: customer.token });
    expect(refused.status).toBe(403);
    const early = await call('POST', `/orders/${order.orderId}/confirm-receipt`, { token: customer.token });
    expect([early.status, early.body.code]).toEqual([409, 'INVALID_STATE']);
    for (const [step, status] of [
      ['accept', 'ACCEPTED'],
      ['ship', 'SHIPPED'],
      ['deliver', 'DELIVERED'],
    ] as const) {
      const answer = await call<OrderResponse>('POST', `/admin/orders/${order.orderId}/${step}`, { token: adminToken });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.status).toBe(status);
    }
    const confirmed = await call<OrderResponse>('POST', `/orders/${order.orderId}/confirm-receipt`, { token: customer.token });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('COMPLETED');
    expect(confirmed.body.history.map((entry) => entry.status)).toEqual([
      'PENDING',
      'AWAITING_PAYMENT',
      'PAID',
      'ACCEPTED',
      'SHIPPED',
      'DELIVERED',
      'COMPLETED',
    ]);
    const late = await call('POST', `/orders/${order.orderId}/refund`, { token: customer.token });
    expect([late.status, late.body.code]).toEqual([409, 'INVALID_STATE']);
  });

  it('refunds a paid order: REFUNDING and order.refund-requested.v1; once the payment context refunds, REFUNDED, the coupon back, the points returned and clawed back', async () => {
    const { customer, couponId, order } = await awaitingPayment('hal');
    const paymentId = await pay(customer, order);
    const earned = Math.floor(order.payable! / 100);
    await pointsBecome(customer, { available: 40 + earned, frozen: 0, lifetimeEarned: 100 + earned, debt: 0 });

    const refunding = await call<OrderResponse>('POST', `/orders/${order.orderId}/refund`, { token: customer.token });
    expect(refunding.status).toBe(200);
    expect(refunding.body.status).toBe('REFUNDING');
    const requested = await waitFor(() => refunds.probe.about([order.orderId])[0], { what: 'order.refund-requested.v1', timeoutMs: SETTLE_MS });
    expect(requested.payload).toMatchObject({ orderId: order.orderId, paymentId, amount: order.payable, reason: 'CUSTOMER_REQUEST' });

    await orderBecomes(customer, order.orderId, 'REFUNDED');
    expect((await steps.paymentBecomes(customer, paymentId, 'REFUNDED')).refund).toMatchObject({ reason: 'CUSTOMER_REQUEST', refundedAt: expect.any(String) });
    await couponBecomes(customer, couponId, { status: 'AVAILABLE', orderId: null });
    await pointsBecome(customer, { available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 });
  });
});
