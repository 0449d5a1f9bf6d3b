// The order service as the gateway sees it: started on a free port, called over HTTP with the gateway's
// internal token (an admin, a customer, or nobody), on PostgreSQL + RabbitMQ and on SQLite + the in-memory
// transport. The catalog, orders priced from it, following one's own orders page by page, the lifecycle
// after a payment (published by the test as the payment context would), every refusal, and bad input on
// every order route that stores nothing.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  PaymentRefundedV1,
  PaymentSucceededV1,
  type CreateProductRequest,
  type OrderResponse,
  type PlaceOrderRequest,
  type PlaceOrderResponse,
  type ProductResponse,
} from '@shop/contracts';
import type { Identity } from '@shop/http';
import { Cleanups, expectNothingStored, expectProblem, json } from '@shop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SETUPS,
  OrderServiceHome,
  aCustomer,
  anAdmin,
  envelopeOf,
  problemOf,
  testOrderConfig,
  type OrderApi,
  type RequestOptions,
} from './support/order-service-harness.js';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PAYMENT_TIMEOUT_MS = 15 * 60_000;

/** A sku no other test uses: `<prefix>-<6 hex>`, upper case as the contract wants it. */
const aSku = (prefix = 'SKU'): string => `${prefix}-${randomBytes(3).toString('hex').toUpperCase()}`;

/** The tables placing or moving an order writes to: a refused request leaves every count as it was (no order, line, history entry, payment, event or idempotency key). */
const ORDER_TABLES = ['orders', 'order_line', 'order_history', 'order_payment', 'outbox', 'idempotency_key'] as const;

/** One page as the client sees it: the body, and the headers that lead to the next one. */
interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
  readonly link: string | null;
}

describe.each(SETUPS)('the order service’s HTTP API on %s', (setup) => {
  const cleanups = new Cleanups();
  let home: OrderServiceHome;
  let api: OrderApi;
  const admin = anAdmin();

  beforeAll(async () => {
    home = await OrderServiceHome.create(setup, cleanups);
    // The reservation deadline far away: a PENDING order here waits on purpose (no coupon or points service runs), the timeout job is not under test.
    ({ api } = await home.start(testOrderConfig({ ORDER_RESERVATION_TIMEOUT: '1h' })));
  });
  afterAll(() => cleanups.run());

  // ---------------------------------------------------------------- helpers

  /** A product of a sku of its own; price 1 000 fen unless said. */
  async function aProduct(overrides: Partial<CreateProductRequest> = {}): Promise<ProductResponse> {
    return api.addProduct({ sku: aSku(), name: 'A product', price: 1_000, ...overrides }, admin);
  }

  /** An order of one line of a fresh product at `price`: AWAITING_PAYMENT at once (no coupon, no points). */
  async function anAwaitingOrder(customer: Identity, price = 2_500): Promise<OrderResponse> {
    const product = await aProduct({ price });
    const placed = await api.place(customer, { items: [{ sku: product.sku, quantity: 1 }] });
    expect(placed.status).toBe('AWAITING_PAYMENT');
    return api.order(customer, placed.orderId);
  }

  const paymentSucceeded = (order: OrderResponse, amount = order.payable!, paymentId = randomUUID()) =>
    envelopeOf(
      PaymentSucceededV1,
      { paymentId, orderId: order.orderId, userId: order.userId, amount, succeededAt: new Date().toISOString() },
      { aggregateId: paymentId, source: 'payment' },
    );
  const paymentRefunded = (order: OrderResponse) =>
    envelopeOf(
      PaymentRefundedV1,
      { paymentId: order.paymentId!, orderId: order.orderId, userId: order.userId, amount: order.amountPaid!, refundedAt: new Date().toISOString() },
      { aggregateId: order.paymentId!, source: 'payment' },
    );

  /** A PAID order of `customer`: placed, then its payment delivered as the payment context would publish it. */
  async function aPaidOrder(customer: Identity): Promise<OrderResponse> {
    const order = await anAwaitingOrder(customer);
    await home.deliver(paymentSucceeded(order));
    const paid = await api.order(customer, order.orderId);
    expect(paid).toMatchObject({ status: 'PAID', amountPaid: order.payable, paymentId: expect.stringMatching(UUID) });
    return paid;
  }

  /** The events the service wrote for one order, oldest first: type and payload. */
  async function eventsOf(orderId: string): Promise<Array<{ type: string; payload: Record<string, unknown> }>> {
    const rows = await home.query<{ type: string; payload: string | Record<string, unknown> }>(
      `SELECT type, payload FROM outbox WHERE aggregate_id = ${home.param(1)} ORDER BY seq`,
      [orderId],
    );
    return rows.map((row) => ({
      type: row.type,
      payload: typeof row.payload === 'string' ? (JSON.parse(row.payload) as Record<string, unknown>) : row.payload,
    }));
  }

  const statusesOf = (order: OrderResponse) => order.history.map((entry) => entry.status);

  /** GET `path` + `query` expecting 200: the body and the paging headers. */
  async function pageOf<T>(call: (query: string) => Promise<Response>, query = ''): Promise<Page<T>> {
    const response = await call(query);
    expect(response.headers.get('cache-control')).toBe('no-store');
    return { items: await json<T[]>(response), nextCursor: response.headers.get('next-cursor'), link: response.headers.get('link') };
  }

  /** Follows each page's `Link: <?…>; rel="next"` (relative to the page it came with) to the end, as a client would. */
  async function followLinks<T>(call: (query: string) => Promise<Response>, path: string, firstQuery: string): Promise<Array<Page<T>>> {
    const pages: Array<Page<T>> = [];
    let url = new URL(`${path}${firstQuery}`, api.url);
    for (;;) {
      const page = await pageOf<T>(call, url.search);
      pages.push(page);
      if (page.link === null) {
        expect(page.nextCursor).toBeNull();
        return pages;
      }
      const [, target] = /^<([^>]*)>; rel="next"$/.exec(page.link) ?? [];
      expect(target, `Link: ${page.link}`).toMatch(/^\?/);
      url = new URL(target!, url);
      expect(url.pathname).toBe(path);
      expect(url.searchParams.get('cursor')).toBe(page.nextCursor);
      if (pages.length > 500) throw new Error('more than 500 pages: the links go round');
    }
  }

  // ---------------------------------------------------------------- the catalog

  describe('the catalog', () => {
    it('admins create a product (201, active unless said), and change its name, price or active flag (200); a taken sku is 409 SKU_TAKEN', async () => {
      const sku = aSku('TEA');
      const created = await json<ProductResponse>(await api.createProduct({ sku, name: 'Longjing tea, 100 g', price: 8_800 }, admin), 201);
      expect(created).toEqual({
        productId: expect.stringMatching(UUID),
        sku,
        name: 'Longjing tea, 100 g',
        price: 8_800,
        active: true,
        createdAt: expect.stringMatching(ISO_INSTANT),
        updatedAt: created.createdAt,
      });
      const inactive = await json<ProductResponse>(await api.createProduct({ sku: aSku('MUG'), name: 'Mug', price: 3_900, active: false }, admin), 201);
      expect(inactive.active).toBe(false);

      const repriced = await api.changeProduct(sku, { price: 9_900 }, admin);
      expect(repriced).toEqual({ ...created, price: 9_900, updatedAt: expect.stringMatching(ISO_INSTANT) });
      expect(Date.parse(repriced.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.updatedAt));
      expect(await api.changeProduct(sku, { name: 'Longjing', active: false }, admin)).toMatchObject({ name: 'Longjing', price: 9_900, active: false });

      const before = await home.count('order_product');
      // Taken whether the holder is active or not, and whatever else the request says.
      for (const taken of [sku, inactive.sku]) await expectProblem(await api.createProduct({ sku: taken, name: 'Other', price: 1 }, admin), 409, 'SKU_TAKEN');
      expect(await home.count('order_product')).toBe(before);
    });

    it('an update of a sku nobody has is 404 PRODUCT_NOT_FOUND; a malformed sku is 400 naming it', async () => {
      await expectProblem(await api.updateProduct(aSku('NOPE'), { price: 100 }, admin), 404, 'PRODUCT_NOT_FOUND');
      for (const sku of ['tea-lower', encodeURIComponent('TEA LEAF'), 'X'.repeat(65), '-LEADING-DASH']) {
        const response = await api.updateProduct(sku, { price: 100 }, admin);
        const problem = await problemOf(response);
        expect([sku, response.status, problem.code, fieldsOf(problem)]).toEqual([sku, 400, 'VALIDATION_FAILED', ['sku']]);
      }
    });

    it('GET /products lists active products only, by sku, a page at a time; GET /admin/products lists inactive ones too', async () => {
      const prefix = `P${randomBytes(3).toString('hex').toUpperCase()}`;
      const skus = ['E', 'A', 'D', 'B', 'C'].map((letter) => `${prefix}-${letter}`);
      for (const [i, sku] of skus.entries()) await aProduct({ sku, active: i !== 1 && i !== 3 });
      const ours = <T extends { sku: string }>(products: T[]) => products.filter((product) => product.sku.startsWith(`${prefix}-`));

      const customer = aCustomer();
      for (const limit of [1, 2, 100]) {
        const pages = await followLinks<ProductResponse>((query) => api.listProducts(customer, query), '/products', `?limit=${limit}`);
        const all = pages.flatMap((page) => page.items);
        expect(pages.slice(0, -1).every((page) => page.items.length === limit)).toBe(true);
        for (const page of pages.slice(0, -1)) expect(page.link).toBe(`<?cursor=${page.nextCursor}&limit=${limit}>; rel="next"`);
        expect(all.every((product) => product.active)).toBe(true);
        expect(new Set(all.map((product) => product.sku)).size).toBe(all.length);
        expect(all.map((product) => product.sku)).toEqual([...all.map((product) => product.sku)].sort());
        expect(ours(all).map((product) => product.sku)).toEqual([`${prefix}-C`, `${prefix}-D`, `${prefix}-E`]);
      }

      const adminPages = await followLinks<ProductResponse>((query) => api.listAllProducts(query, admin), '/admin/products', '?limit=3');
      const everything = adminPages.flatMap((page) => page.items);
      expect(ours(everything).map((product) => [product.sku, product.active])).toEqual([
        [`${prefix}-A`, false],
        [`${prefix}-B`, false],
        [`${prefix}-C`, true],
        [`${prefix}-D`, true],
        [`${prefix}-E`, true],
      ]);
      expect(everything.length).toBe(await home.count('order_product'));
    });

    it('names the default page size in the Link when no limit is given', async () => {
      const before = await home.count('order_product', `active = ${setup === 'postgres+amqp' ? 'TRUE' : '1'}`);
      for (let i = before; i <= 50; i++) await aProduct();
      const first = await pageOf<ProductResponse>((query) => api.listProducts(aCustomer(), query));
      expect(first.items).toHaveLength(50);
      expect(first.link).toBe(`<?cursor=${first.nextCursor}&limit=50>; rel="next"`);
    });
  });

  // ---------------------------------------------------------------- placing an order

  describe('placing an order', () => {
    it('prices it from the catalog: each line its unit price × quantity, the subtotal their sum; without a coupon or points it awaits payment at once', async () => {
      const tea = await aProduct({ name: 'Longjing tea, 100 g', price: 8_800 });
      const mug = await aProduct({ name: 'Ceramic mug', price: 3_900 });
      const customer = aCustomer();

      const response = await api.placeOrder(customer, {
        items: [
          { sku: tea.sku, quantity: 2 },
          { sku: mug.sku, quantity: 3 },
        ],
      });
      const placed = await json<PlaceOrderResponse>(response, 202);
      expect(placed).toEqual({ orderId: expect.stringMatching(UUID), status: 'AWAITING_PAYMENT' });

      const order = await api.order(customer, placed.orderId);
      expect(order).toEqual({
        orderId: placed.orderId,
        userId: customer.userId,
        status: 'AWAITING_PAYMENT',
        items: [
          { sku: tea.sku, name: 'Longjing tea, 100 g', quantity: 2, unitPrice: 8_800, lineTotal: 17_600 },
          { sku: mug.sku, name: 'Ceramic mug', quantity: 3, unitPrice: 3_900, lineTotal: 11_700 },
        ],
        subtotal: 29_300,
        couponId: null,
        couponDiscount: 0,
        pointsToUse: 0,
        pointsUsed: 0,
        payable: 29_300,
        cancelReason: null,
        paymentId: null,
        amountPaid: null,
        paymentDueAt: expect.stringMatching(ISO_INSTANT),
        placedAt: expect.stringMatching(ISO_INSTANT),
        updatedAt: expect.stringMatching(ISO_INSTANT),
        history: [
          { status: 'PENDING', at: order.placedAt, reason: null },
          { status: 'AWAITING_PAYMENT', at: order.placedAt, reason: null },
        ],
      });
      expect(Date.parse(order.paymentDueAt!) - Date.parse(order.placedAt)).toBe(PAYMENT_TIMEOUT_MS);
      expect((await eventsOf(order.orderId)).map((event) => event.type)).toEqual(['order.placed.v1', 'order.awaiting-payment.v1']);
      expect((await eventsOf(order.orderId))[1]!.payload).toMatchObject({ subtotal: 29_300, couponDiscount: 0, pointsUsed: 0, payable: 29_300 });

      // A later price change is the catalog's, not the order's: the order keeps the prices it was placed at.
      await api.changeProduct(tea.sku, { price: 1, name: 'Renamed' }, admin);
      expect(await api.order(customer, order.orderId)).toEqual(order);
    });

    it('with a coupon or points it stays PENDING (202) until the reservations are in, nothing payable yet', async () => {
      const product = await aProduct({ price: 5_000 });
      const customer = aCustomer();
      const couponId = randomUUID();
      const cases: Array<[PlaceOrderRequest, Partial<OrderResponse>]> = [
        [
          { items: [{ sku: product.sku, quantity: 1 }], couponId },
          { couponId, pointsToUse: 0 },
        ],
        [
          { items: [{ sku: product.sku, quantity: 1 }], pointsToUse: 700 },
          { couponId: null, pointsToUse: 700 },
        ],
        [
          { items: [{ sku: product.sku, quantity: 2 }], couponId: couponId.toUpperCase(), pointsToUse: 10_000 },
          { couponId, pointsToUse: 10_000 },
        ],
      ];
      for (const [body, expected] of cases) {
        const placed = await api.place(customer, body);
        expect(placed.status).toBe('PENDING');
        const order = await api.order(customer, placed.orderId);
        expect(order).toMatchObject({ ...expected, status: 'PENDING', couponDiscount: 0, pointsUsed: 0, payable: null, paymentDueAt: null });
        expect(statusesOf(order)).toEqual(['PENDING']);
        const events = await eventsOf(order.orderId);
        expect(events.map((event) => event.type)).toEqual(['order.placed.v1']);
        expect(events[0]!.payload).toMatchObject({ couponId: expected.couponId, pointsToUse: expected.pointsToUse, subtotal: order.subtotal });
      }
    });

    it('honours Idempotency-Key: the same body again answers the first order (Idempotent-Replayed) and stores no second; another body is 422 IDEMPOTENCY_KEY_REUSED', async () => {
      const product = await aProduct();
      const customer = aCustomer();
      const key = randomUUID();
      const body = { items: [{ sku: product.sku, quantity: 2 }] };
      const ordersOf = () => home.count('orders', `user_id = ${home.param(1)}`, [customer.userId]);

      const first = await json<PlaceOrderResponse>(await api.placeOrder(customer, body, { idempotencyKey: key }), 202);
      const replay = await api.placeOrder(customer, body, { idempotencyKey: key });
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(await json<PlaceOrderResponse>(replay, 202)).toEqual(first);
      expect(await ordersOf()).toBe(1);

      await expectNothingStored(home, ORDER_TABLES, async () =>
        expectProblem(await api.placeOrder(customer, { items: [{ sku: product.sku, quantity: 3 }] }, { idempotencyKey: key }), 422, 'IDEMPOTENCY_KEY_REUSED'),
      );
      // Another key, or none, is another order; another customer's key of the same spelling is theirs.
      expect((await api.place(customer, body, { idempotencyKey: randomUUID() })).orderId).not.toBe(first.orderId);
      expect((await api.place(customer, body)).orderId).not.toBe(first.orderId);
      expect(await ordersOf()).toBe(3);
      expect((await api.place(aCustomer(), body, { idempotencyKey: key })).orderId).not.toBe(first.orderId);
    });
  });

  // ---------------------------------------------------------------- reading one's orders

  describe('reading orders', () => {
    it('GET /orders/{id} answers the owner only: another customer gets 404 ORDER_NOT_FOUND, as for an id nobody has', async () => {
      const ada = aCustomer();
      const order = await anAwaitingOrder(ada);
      expect((await api.getOrder(ada, order.orderId)).headers.get('cache-control')).toBe('no-store');
      // The id in upper case is the same order.
      expect(await api.order(ada, order.orderId.toUpperCase())).toEqual(order);
      await expectProblem(await api.getOrder(aCustomer(), order.orderId), 404, 'ORDER_NOT_FOUND');
      await expectProblem(await api.getOrder(ada, randomUUID()), 404, 'ORDER_NOT_FOUND');
    });

    it('GET /orders lists the customer’s own orders newest first, a page at a time, and nobody else’s', async () => {
      const customer = aCustomer();
      const product = await aProduct();
      const placed: string[] = [];
      for (let i = 0; i < 5; i++) placed.push((await api.place(customer, { items: [{ sku: product.sku, quantity: i + 1 }] })).orderId);
      await anAwaitingOrder(aCustomer());
      const newestFirst = [...placed].reverse();

      for (const limit of [1, 2, 5, 100]) {
        const pages = await followLinks<OrderResponse>((query) => api.listMyOrders(customer, query), '/orders', `?limit=${limit}`);
        expect(pages.map((page) => page.items.length)).toEqual(sizesOf(5, limit));
        expect(pages.flatMap((page) => page.items.map((order) => order.orderId))).toEqual(newestFirst);
        for (const page of pages.slice(0, -1)) expect(page.link).toBe(`<?cursor=${page.nextCursor}&limit=${limit}>; rel="next"`);
      }
      const all = await pageOf<OrderResponse>((query) => api.listMyOrders(customer, query));
      expect(all).toEqual({ items: expect.any(Array), nextCursor: null, link: null });
      expect(all.items[0]).toEqual(await api.order(customer, newestFirst[0]!));
      expect(await pageOf((query) => api.listMyOrders(aCustomer(), query))).toEqual({ items: [], nextCursor: null, link: null });

      // Another customer's cursor in this one's hands pages through this one's orders only.
      const othersCursor = (await pageOf<OrderResponse>((query) => api.listMyOrders(customer, query), '?limit=1')).nextCursor!;
      const stranger = aCustomer();
      await anAwaitingOrder(stranger);
      const seen = await pageOf<OrderResponse>((query) => api.listMyOrders(stranger, query), `?cursor=${othersCursor}&limit=100`);
      expect(seen.items.filter((order) => placed.includes(order.orderId))).toEqual([]);
    });
  });

  // ---------------------------------------------------------------- the lifecycle

  describe('the lifecycle', () => {
    it('a customer cancels an order awaiting payment (200 CANCELLED, order.cancelled.v1); again is 409 INVALID_STATE; another customer’s cancel is 404', async () => {
      const customer = aCustomer();
      const order = await anAwaitingOrder(customer);
      await expectProblem(await api.cancelOrder(aCustomer(), order.orderId), 404, 'ORDER_NOT_FOUND');

      const cancelled = await json<OrderResponse>(await api.cancelOrder(customer, order.orderId));
      expect(cancelled).toMatchObject({ status: 'CANCELLED', cancelReason: 'CUSTOMER_CANCELLED' });
      expect(cancelled.history.map(({ status, reason }) => [status, reason])).toEqual([
        ['PENDING', null],
        ['AWAITING_PAYMENT', null],
        ['CANCELLED', 'CUSTOMER_CANCELLED'],
      ]);
      expect(await api.order(customer, order.orderId)).toEqual(cancelled);

      await expectNothingStored(home, ORDER_TABLES, async () => expectProblem(await api.cancelOrder(customer, order.orderId), 409, 'INVALID_STATE'));
      const events = await eventsOf(order.orderId);
      expect(events.map((event) => event.type)).toEqual(['order.placed.v1', 'order.awaiting-payment.v1', 'order.cancelled.v1']);
      expect(events[2]!.payload).toMatchObject({ orderId: order.orderId, userId: customer.userId, reason: 'CUSTOMER_CANCELLED' });
    });

    it('a customer cancels a PENDING order too (its reservations are released on order.cancelled.v1)', async () => {
      const customer = aCustomer();
      const product = await aProduct();
      const { orderId } = await api.place(customer, { items: [{ sku: product.sku, quantity: 1 }], pointsToUse: 100 });
      expect(await json<OrderResponse>(await api.cancelOrder(customer, orderId))).toMatchObject({ status: 'CANCELLED', cancelReason: 'CUSTOMER_CANCELLED' });
      expect((await eventsOf(orderId)).map((event) => event.type)).toEqual(['order.placed.v1', 'order.cancelled.v1']);
    });

    it('paid → accepted → shipped → delivered → completed, each step only from the one before (409 INVALID_STATE otherwise), all in the history', async () => {
      const customer = aCustomer();
      const order = await aPaidOrder(customer);
      const { orderId } = order;
      expect((await eventsOf(orderId)).map((event) => event.type)).toEqual(['order.placed.v1', 'order.awaiting-payment.v1', 'order.paid.v1']);

      await expectNothingStored(home, ORDER_TABLES, async () => {
        await expectProblem(await api.cancelOrder(customer, orderId), 409, 'INVALID_STATE');
        await expectProblem(await api.confirmReceipt(customer, orderId), 409, 'INVALID_STATE');
        await expectProblem(await api.shipOrder(orderId, admin), 409, 'INVALID_STATE');
        await expectProblem(await api.deliverOrder(orderId, admin), 409, 'INVALID_STATE');
      });
      expect((await json<OrderResponse>(await api.acceptOrder(orderId, admin))).status).toBe('ACCEPTED');
      await expectProblem(await api.acceptOrder(orderId, admin), 409, 'INVALID_STATE');
      await expectProblem(await api.deliverOrder(orderId, admin), 409, 'INVALID_STATE');
      expect((await json<OrderResponse>(await api.shipOrder(orderId, admin))).status).toBe('SHIPPED');
      await expectProblem(await api.confirmReceipt(customer, orderId), 409, 'INVALID_STATE');
      expect((await json<OrderResponse>(await api.deliverOrder(orderId, admin))).status).toBe('DELIVERED');
      await expectProblem(await api.confirmReceipt(aCustomer(), orderId), 404, 'ORDER_NOT_FOUND');

      const completed = await json<OrderResponse>(await api.confirmReceipt(customer, orderId));
      expect(completed).toMatchObject({ status: 'COMPLETED', paymentId: order.paymentId, amountPaid: order.amountPaid, cancelReason: null });
      expect(statusesOf(completed)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'ACCEPTED', 'SHIPPED', 'DELIVERED', 'COMPLETED']);
      const times = completed.history.map((entry) => Date.parse(entry.at));
      expect([...times].sort((a, b) => a - b)).toEqual(times);

      await expectNothingStored(home, ORDER_TABLES, async () => {
        for (const response of [
          await api.requestRefund(customer, orderId),
          await api.cancelOrder(customer, orderId),
          await api.confirmReceipt(customer, orderId),
          await api.acceptOrder(orderId, admin),
        ])
          await expectProblem(response, 409, 'INVALID_STATE');
      });
    });

    it('a refund asked for after payment: REFUNDING with order.refund-requested.v1 (CUSTOMER_REQUEST), then payment.refunded.v1 makes it REFUNDED', async () => {
      const customer = aCustomer();
      const order = await aPaidOrder(customer);
      await api.acceptOrder(order.orderId, admin);

      await expectProblem(await api.requestRefund(aCustomer(), order.orderId), 404, 'ORDER_NOT_FOUND');
      const refunding = await json<OrderResponse>(await api.requestRefund(customer, order.orderId));
      expect(refunding.status).toBe('REFUNDING');
      const requested = (await eventsOf(order.orderId)).filter((event) => event.type === 'order.refund-requested.v1');
      expect(requested.map((event) => event.payload)).toEqual([
        expect.objectContaining({ orderId: order.orderId, paymentId: order.paymentId, amount: order.amountPaid, reason: 'CUSTOMER_REQUEST' }),
      ]);
      await expectNothingStored(home, ORDER_TABLES, async () => {
        await expectProblem(await api.requestRefund(customer, order.orderId), 409, 'INVALID_STATE');
        await expectProblem(await api.shipOrder(order.orderId, admin), 409, 'INVALID_STATE');
        await expectProblem(await api.cancelOrder(customer, order.orderId), 409, 'INVALID_STATE');
      });

      await home.deliver(paymentRefunded(refunding));
      const refunded = await api.order(customer, order.orderId);
      expect(refunded.status).toBe('REFUNDED');
      expect(statusesOf(refunded)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'ACCEPTED', 'REFUNDING', 'REFUNDED']);
      expect((await eventsOf(order.orderId)).map((event) => event.type).slice(-2)).toEqual(['order.refund-requested.v1', 'order.refunded.v1']);
      await expectProblem(await api.requestRefund(customer, order.orderId), 409, 'INVALID_STATE');
    });

    it('a payment for an order cancelled before leaves it cancelled and asks for the money back (LATE_PAYMENT), once however often it comes', async () => {
      const customer = aCustomer();
      const order = await anAwaitingOrder(customer);
      await json(await api.cancelOrder(customer, order.orderId));
      await home.deliverTwice(paymentSucceeded(order));
      expect(await api.order(customer, order.orderId)).toMatchObject({ status: 'CANCELLED', paymentId: null, amountPaid: null });
      const requested = (await eventsOf(order.orderId)).filter((event) => event.type === 'order.refund-requested.v1');
      expect(requested.map((event) => event.payload)).toEqual([expect.objectContaining({ reason: 'LATE_PAYMENT', amount: order.payable })]);
    });

    it('admins are refused nothing by ownership, customers every admin route (403 FORBIDDEN); an unknown order is 404 for admins', async () => {
      const customer = aCustomer();
      const order = await aPaidOrder(customer);
      await expectNothingStored(home, ORDER_TABLES, async () => {
        for (const call of [api.acceptOrder, api.shipOrder, api.deliverOrder]) {
          await expectProblem(await call.call(api, order.orderId, customer), 403, 'FORBIDDEN');
          await expectProblem(await call.call(api, randomUUID(), admin), 404, 'ORDER_NOT_FOUND');
        }
      });
      const product = await aProduct();
      await expectProblem(await api.createProduct({ sku: aSku(), name: 'x', price: 1 }, customer), 403, 'FORBIDDEN');
      await expectProblem(await api.updateProduct(product.sku, { price: 1 }, customer), 403, 'FORBIDDEN');
      await expectProblem(await api.listAllProducts('', customer), 403, 'FORBIDDEN');
      expect((await api.order(customer, order.orderId)).status).toBe('PAID');
      expect((await api.allProducts(admin)).find((p) => p.sku === product.sku)).toEqual(product);
    });

    it('refuses an anonymous call on every route (401 UNAUTHENTICATED) and a call not from the gateway (401 NOT_FROM_GATEWAY)', async () => {
      const orderId = randomUUID();
      const routes: Array<[Parameters<OrderApi['direct']>[0], string, unknown]> = [
        ['POST', '/admin/products', { sku: aSku(), name: 'x', price: 1 }],
        ['PATCH', '/admin/products/TEA', { price: 1 }],
        ['GET', '/admin/products', undefined],
        ['GET', '/products', undefined],
        ['POST', '/orders', { items: [{ sku: 'TEA', quantity: 1 }] }],
        ['GET', '/orders', undefined],
        ['GET', `/orders/${orderId}`, undefined],
        ['POST', `/orders/${orderId}/cancel`, undefined],
        ['POST', `/orders/${orderId}/confirm-receipt`, undefined],
        ['POST', `/orders/${orderId}/refund`, undefined],
        ['POST', `/admin/orders/${orderId}/accept`, undefined],
        ['POST', `/admin/orders/${orderId}/ship`, undefined],
        ['POST', `/admin/orders/${orderId}/deliver`, undefined],
      ];
      await expectNothingStored(home, ORDER_TABLES, async () => {
        for (const [method, path, body] of routes) {
          const anonymous = await api.viaGateway(method, path, { body });
          expect([path, anonymous.status, (await problemOf(anonymous)).code]).toEqual([path, 401, 'UNAUTHENTICATED']);
          const direct = await api.direct(method, path, { body });
          expect([path, direct.status, (await problemOf(direct)).code]).toEqual([path, 401, 'NOT_FROM_GATEWAY']);
        }
      });
    });
  });

  // ---------------------------------------------------------------- bad input

  describe('bad input: a 4xx problem+json with a code, and no order stored', () => {
    let tea: ProductResponse;
    let mug: ProductResponse;
    let retired: ProductResponse;
    const huge = '1' + '0'.repeat(30);

    beforeAll(async () => {
      tea = await aProduct({ price: 8_800 });
      mug = await aProduct({ price: 3_900 });
      retired = await aProduct({ active: false });
    });

    /** A valid order request; tests override what matters to them. */
    const anOrder = (overrides: Record<string, unknown> = {}) => ({ items: [{ sku: tea.sku, quantity: 1 }], ...overrides });
    /** The JSON of a valid order with its first quantity spelt as `spelling` (numbers JSON.stringify cannot write). */
    const withQuantity = (spelling: string) => ({ rawBody: JSON.stringify(anOrder()).replace('"quantity":1', `"quantity":${spelling}`) });
    const lines = (count: number) => Array.from({ length: count }, (_, i) => ({ sku: `LINE-${i}`, quantity: 1 }));

    it.each(
      (
        [
          ['no items', () => ({ body: anOrder({ items: [] }) }), 400, 'VALIDATION_FAILED', ['items']],
          ['no items field', () => ({ body: {} }), 400, 'VALIDATION_FAILED'],
          ['items that are no list', () => ({ body: anOrder({ items: { sku: 'TEA', quantity: 1 } }) }), 400, 'VALIDATION_FAILED'],
          ['a quantity of 0', () => ({ body: anOrder({ items: [{ sku: 'TEA', quantity: 0 }] }) }), 400, 'VALIDATION_FAILED', ['items.0.quantity']],
          ['a quantity of -1', () => ({ body: anOrder({ items: [{ sku: 'TEA', quantity: -1 }] }) }), 400, 'VALIDATION_FAILED', ['items.0.quantity']],
          ['a quantity of 100', () => ({ body: anOrder({ items: [{ sku: 'TEA', quantity: 100 }] }) }), 400, 'VALIDATION_FAILED', ['items.0.quantity']],
          ['a quantity of 1.5', () => ({ body: anOrder({ items: [{ sku: 'TEA', quantity: 1.5 }] }) }), 400, 'VALIDATION_FAILED', ['items.0.quantity']],
          ['a quantity of 1e30', () => withQuantity('1e30'), 400, 'VALIDATION_FAILED', ['items.0.quantity']],
          ['a quantity of 10^30 written out', () => withQuantity(huge), 400, 'VALIDATION_FAILED', ['items.0.quantity']],
          ['a quantity of 1e400 (Infinity)', () => withQuantity('1e400'), 400, 'VALIDATION_FAILED'],
          ['a quantity as text', () => ({ body: anOrder({ items: [{ sku: 'TEA', quantity: '1' }] }) }), 400, 'VALIDATION_FAILED', ['items.0.quantity']],
          ['a line without a quantity', () => ({ body: anOrder({ items: [{ sku: 'TEA' }] }) }), 400, 'VALIDATION_FAILED'],
          ['a line without a sku', () => ({ body: anOrder({ items: [{ quantity: 1 }] }) }), 400, 'VALIDATION_FAILED'],
          ['a sku in lower case', () => ({ body: anOrder({ items: [{ sku: 'tea', quantity: 1 }] }) }), 400, 'VALIDATION_FAILED', ['items.0.sku']],
          ['a sku of 65 characters', () => ({ body: anOrder({ items: [{ sku: 'T'.repeat(65), quantity: 1 }] }) }), 400, 'VALIDATION_FAILED', ['items.0.sku']],
          ['a unit price sent with a line', () => ({ body: anOrder({ items: [{ sku: 'TEA', quantity: 1, unitPrice: 1 }] }) }), 400, 'VALIDATION_FAILED'],
          ['a price sent with a line', () => ({ body: anOrder({ items: [{ sku: 'TEA', quantity: 1, price: 1 }] }) }), 400, 'VALIDATION_FAILED'],
          ['a line total sent', () => ({ body: anOrder({ items: [{ sku: 'TEA', quantity: 1, lineTotal: 1 }] }) }), 400, 'VALIDATION_FAILED'],
          ['a subtotal sent', () => ({ body: anOrder({ subtotal: 1 }) }), 400, 'VALIDATION_FAILED'],
          ['a payable sent', () => ({ body: anOrder({ payable: 0 }) }), 400, 'VALIDATION_FAILED'],
          ['a user sent', () => ({ body: anOrder({ userId: randomUUID() }) }), 400, 'VALIDATION_FAILED'],
          ['pointsToUse -1', () => ({ body: anOrder({ pointsToUse: -1 }) }), 400, 'VALIDATION_FAILED', ['pointsToUse']],
          ['pointsToUse 1.5', () => ({ body: anOrder({ pointsToUse: 1.5 }) }), 400, 'VALIDATION_FAILED', ['pointsToUse']],
          ['pointsToUse "10"', () => ({ body: anOrder({ pointsToUse: '10' }) }), 400, 'VALIDATION_FAILED', ['pointsToUse']],
          ['pointsToUse over a trillion', () => ({ body: anOrder({ pointsToUse: 1e12 + 1 }) }), 400, 'VALIDATION_FAILED', ['pointsToUse']],
          ['pointsToUse null', () => ({ body: anOrder({ pointsToUse: null }) }), 400, 'VALIDATION_FAILED', ['pointsToUse']],
          ['a coupon id that is no UUID', () => ({ body: anOrder({ couponId: 'WELCOME5' }) }), 400, 'VALIDATION_FAILED', ['couponId']],
          ['a coupon id null', () => ({ body: anOrder({ couponId: null }) }), 400, 'VALIDATION_FAILED', ['couponId']],
          ['51 lines', () => ({ body: anOrder({ items: lines(51) }) }), 400, 'VALIDATION_FAILED', ['items']],
          ['a body over 1 MiB', () => ({ rawBody: JSON.stringify(anOrder({ items: lines(40_000) })) }), 413, 'PAYLOAD_TOO_LARGE'],
          ['malformed JSON', () => ({ rawBody: '{"items": [' }), 400, 'MALFORMED_JSON'],
          ['a JSON null', () => ({ rawBody: 'null' }), 400, 'MALFORMED_JSON'],
          ['a JSON array', () => ({ body: [anOrder()] }), 400, 'VALIDATION_FAILED'],
          ['no body', () => ({}), 400, 'VALIDATION_FAILED'],
          ['a form instead of JSON', () => ({ rawBody: 'items=TEA', contentType: 'application/x-www-form-urlencoded' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
          ['text instead of JSON', () => ({ rawBody: JSON.stringify(anOrder()), contentType: 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
        ] satisfies Array<[string, () => RequestOptions, number, string, string[]?]>
      )
        // The case, then what it answers (the title's %i %s), then the request.
        .map(([name, request, status, code, fields]) => [name, status, code, request, fields] as const),
    )('POST /orders with %s: %i %s', async (_case, status, code, request, fields) => {
      await expectNothingStored(home, ORDER_TABLES, async () => {
        const response = await api.viaGateway('POST', '/orders', { identity: aCustomer(), ...request() });
        const problem = await problemOf(response);
        expect([response.status, problem.status, problem.code]).toEqual([status, status, code]);
        if (fields) expect(fieldsOf(problem)).toEqual(fields);
      });
    });

    it('a sku the catalog does not sell (unknown, or inactive): 422 UNKNOWN_SKU naming the skus', async () => {
      const unknown = aSku('NOPE');
      await expectNothingStored(home, ORDER_TABLES, async () => {
        const response = await api.placeOrder(aCustomer(), {
          items: [
            { sku: tea.sku, quantity: 1 },
            { sku: unknown, quantity: 2 },
            { sku: retired.sku, quantity: 1 },
          ],
        });
        const problem = await problemOf(response);
        expect([response.status, problem.code, problem.errors?.map((error) => error.field)]).toEqual([422, 'UNKNOWN_SKU', ['items']]);
        const [lines] = (problem.errors ?? []) as Array<{ field: string; message: string }>;
        for (const text of [problem.detail, lines?.message]) expect(text).toEqual(expect.stringContaining(unknown));
        expect(problem.detail).toContain(retired.sku);
        expect(problem.detail).not.toContain(tea.sku);
      });
    });

    it('a sku on two lines: 400 DUPLICATE_SKU naming it (refused, not merged: merging could pass the 99 per line)', async () => {
      await expectNothingStored(home, ORDER_TABLES, async () => {
        const response = await api.placeOrder(aCustomer(), {
          items: [
            { sku: tea.sku, quantity: 60 },
            { sku: mug.sku, quantity: 1 },
            { sku: tea.sku, quantity: 60 },
          ],
        });
        const problem = await problemOf(response);
        expect([response.status, problem.code, problem.errors?.map((error) => error.field)]).toEqual([400, 'DUPLICATE_SKU', ['items']]);
        expect(problem.detail).toContain(tea.sku);
        expect(problem.detail).not.toContain(mug.sku);
      });
    });

    it('more points than the subtotal: 422 POINTS_EXCEED_SUBTOTAL; exactly the subtotal is taken', async () => {
      const customer = aCustomer();
      await expectNothingStored(home, ORDER_TABLES, async () =>
        expectProblem(await api.placeOrder(customer, anOrder({ pointsToUse: 8_801 })), 422, 'POINTS_EXCEED_SUBTOTAL'),
      );
      expect((await api.place(customer, { items: [{ sku: tea.sku, quantity: 1 }], pointsToUse: 8_800 })).status).toBe('PENDING');
    });

    it('a refused order under an Idempotency-Key: the same request again gets the same refusal (replayed), and no order is stored', async () => {
      const customer = aCustomer();
      const key = randomUUID();
      const refused = anOrder({ items: [{ sku: aSku('NOPE'), quantity: 1 }] });
      const orders = await home.count('orders');
      const first = await api.placeOrder(customer, refused, { idempotencyKey: key });
      await expectProblem(first, 422, 'UNKNOWN_SKU');
      const replay = await api.placeOrder(customer, refused, { idempotencyKey: key });
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      await expectProblem(replay, 422, 'UNKNOWN_SKU');
      // The key is spent on the refusal: the order fixed is another request, placed under a new key.
      await expectProblem(await api.placeOrder(customer, anOrder(), { idempotencyKey: key }), 422, 'IDEMPOTENCY_KEY_REUSED');
      expect(await home.count('orders')).toBe(orders);
      expect((await api.place(customer, anOrder(), { idempotencyKey: randomUUID() })).status).toBe('AWAITING_PAYMENT');
    });

    const badIds = ['not-a-uuid', '12345', `urn:uuid:${randomUUID()}`, `${randomUUID()}0`, `${randomUUID().slice(0, 35)}g`];

    it.each<[string, (orderId: string) => Promise<Response>]>([
      ['GET /orders/{id}', (orderId) => api.getOrder(aCustomer(), orderId)],
      ['cancel', (orderId) => api.cancelOrder(aCustomer(), orderId)],
      ['confirm-receipt', (orderId) => api.confirmReceipt(aCustomer(), orderId)],
      ['refund', (orderId) => api.requestRefund(aCustomer(), orderId)],
      ['accept', (orderId) => api.acceptOrder(orderId, admin)],
      ['ship', (orderId) => api.shipOrder(orderId, admin)],
      ['deliver', (orderId) => api.deliverOrder(orderId, admin)],
    ])('%s with a malformed order id: 400 VALIDATION_FAILED naming orderId; an unknown one: 404 ORDER_NOT_FOUND', async (_route, call) => {
      await expectNothingStored(home, ORDER_TABLES, async () => {
        for (const id of badIds) {
          const response = await call(encodeURIComponent(id));
          const problem = await problemOf(response);
          expect([id, response.status, problem.code, fieldsOf(problem)]).toEqual([id, 400, 'VALIDATION_FAILED', ['orderId']]);
        }
        await expectProblem(await call(randomUUID()), 404, 'ORDER_NOT_FOUND');
      });
    });

    it.each([
      ['a limit of 0', '?limit=0'],
      ['a limit of 101', '?limit=101'],
      ['a negative limit', '?limit=-1'],
      ['a fractional limit', '?limit=1.5'],
      ['a limit in exponent notation', '?limit=1e2'],
      ['a limit with a leading zero', '?limit=05'],
      ['a huge limit', `?limit=${huge}`],
      ['an empty limit', '?limit='],
      ['two limits', '?limit=1&limit=2'],
      ['an empty cursor', '?cursor='],
      ['a cursor outside the alphabet', '?cursor=abc%21'],
      ['a cursor with padding', '?cursor=MTI%3D'],
      ['a cursor of 201 characters', `?cursor=${'A'.repeat(201)}`],
      ['an unknown parameter', '?sort=oldest'],
      ['the user as a parameter', `?userId=${randomUUID()}`],
    ])('the lists with %s: 400 VALIDATION_FAILED', async (_case, query) => {
      await expectProblem(await api.listMyOrders(aCustomer(), query), 400, 'VALIDATION_FAILED');
      await expectProblem(await api.listProducts(aCustomer(), query), 400, 'VALIDATION_FAILED');
      await expectProblem(await api.listAllProducts(query, admin), 400, 'VALIDATION_FAILED');
    });

    it('the lists with a cursor in the right alphabet that this service never gave: 400 INVALID_CURSOR naming the cursor', async () => {
      for (const cursor of ['abc', base64url('not a cursor'), base64url('{"placedAt":"x"}')]) {
        for (const response of [
          await api.listMyOrders(aCustomer(), `?cursor=${cursor}`),
          await api.listProducts(aCustomer(), `?cursor=${cursor}`),
          await api.listAllProducts(`?cursor=${cursor}`, admin),
        ]) {
          const problem = await problemOf(response);
          expect([cursor, response.status, problem.code, problem.errors?.map((error) => error.field)]).toEqual([cursor, 400, 'INVALID_CURSOR', ['cursor']]);
        }
      }
    });

    it.each<[string, Record<string, unknown>, string[]?]>([
      ['a sku in lower case', { sku: 'tea-lower' }, ['sku']],
      ['a sku with a space', { sku: 'TEA LEAF' }, ['sku']],
      ['an empty name', { name: '' }, ['name']],
      ['a name of 201 characters', { name: 'n'.repeat(201) }, ['name']],
      ['a price of 0', { price: 0 }, ['price']],
      ['a negative price', { price: -100 }, ['price']],
      ['a fractional price', { price: 99.5 }, ['price']],
      ['a price over a million yuan', { price: 100_000_001 }, ['price']],
      ['a price as text', { price: '100' }, ['price']],
      ['active as text', { active: 'yes' }, ['active']],
      ['an unknown field', { stock: 10 }],
    ])('POST /admin/products with %s: 400 VALIDATION_FAILED', async (_case, overrides, fields) => {
      const before = await home.count('order_product');
      const response = await api.createProduct({ sku: aSku(), name: 'A product', price: 1_000, ...overrides }, admin);
      const problem = await problemOf(response);
      expect([response.status, problem.code]).toEqual([400, 'VALIDATION_FAILED']);
      if (fields) expect(fieldsOf(problem)).toEqual(fields);
      expect(await home.count('order_product')).toBe(before);
    });

    it('PATCH /admin/products/{sku} with nothing to change, a bad value or an unknown field: 400 VALIDATION_FAILED, the product unchanged', async () => {
      const product = await aProduct();
      for (const body of [{}, { price: 0 }, { name: '' }, { sku: aSku() }, { price: 100, productId: randomUUID() }, { active: null }]) {
        await expectProblem(await api.updateProduct(product.sku, body, admin), 400, 'VALIDATION_FAILED');
      }
      expect((await api.allProducts(admin)).find((p) => p.sku === product.sku)).toEqual(product);
    });

    it('answers an unknown route 404 NOT_FOUND', async () => {
      await expectProblem(await api.viaGateway('GET', '/orders/mine/all', { identity: aCustomer() }), 404, 'NOT_FOUND');
    });
  });
});

/** The fields a problem names, each once (one field may break several rules). */
const fieldsOf = (problem: { errors?: Array<{ field: string }> }): string[] => [...new Set(problem.errors?.map((error) => error.field))];

/** The page sizes of `total` items read `limit` at a time. */
function sizesOf(total: number, limit: number): number[] {
  const sizes: number[] = [];
  for (let left = total; left > 0; left -= limit) sizes.push(Math.min(limit, left));
  return sizes;
}

const base64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
