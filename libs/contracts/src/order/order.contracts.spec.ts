import { randomUUID } from 'node:crypto';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { COUPON_RESERVATION_REJECTION_REASONS } from '../coupon/coupon.events.js';
import { schemaCheck } from '../schema-check.js';
import { bodySchemasOf } from '../http-route.js';
import { PaymentRefundedV1, PaymentSucceededV1 } from '../payment/payment.events.js';
import { POINTS_RESERVATION_REJECTION_REASONS } from '../points/points.events.js';
import { SAGA_STEP_RETRY_DELAYS_MS } from '../saga-retry.js';
import { EventSchemaRegistry } from '../schema-registry.js';
import { retryDelaysOf, subscriptions } from '../subscriptions.js';
import { orderContext } from './order.context.js';
import {
  ORDER_CANCEL_REASONS,
  ORDER_STATUSES,
  OrderAwaitingPaymentV1,
  OrderCancelledV1,
  OrderPaidV1,
  OrderPlacedV1,
  OrderRefundRequestedV1,
  OrderRefundedV1,
  REFUND_REASONS,
  type OrderCancelReason,
  type OrderStatus,
  type RefundReason,
} from './order.events.js';
import {
  CreateProductRequest,
  ORDER_LIMITS,
  ORDER_LIST_LIMIT,
  ORDER_ROUTES,
  OrderListQuery,
  OrderResponse,
  PRODUCT_LIST_LIMIT,
  PlaceOrderRequest,
  PlaceOrderResponse,
  ProductListQuery,
  ProductResponse,
  UpdateProductRequest,
} from './order.http.js';

describe('the order events', () => {
  const registry = new EventSchemaRegistry(orderContext.events);
  const accepts = (type: string, payload: unknown) => {
    try {
      registry.validatePayload(type, payload);
      return true;
    } catch {
      return false;
    }
  };
  const ids = { orderId: randomUUID(), userId: randomUUID() };
  const now = new Date().toISOString();

  it('are what the order context publishes: the four the participants consume, and two for the payment context', () => {
    expect(orderContext.events).toEqual([OrderPlacedV1, OrderAwaitingPaymentV1, OrderCancelledV1, OrderPaidV1, OrderRefundRequestedV1, OrderRefundedV1]);
    expect(orderContext.events.map((event) => event.type)).toEqual([
      'order.placed.v1',
      'order.awaiting-payment.v1',
      'order.cancelled.v1',
      'order.paid.v1',
      'order.refund-requested.v1',
      'order.refunded.v1',
    ]);
  });

  it('announce an order awaiting payment with its amounts in whole fen (a payable of 0 included)', () => {
    const awaiting: OrderAwaitingPaymentV1 = {
      ...ids,
      subtotal: 8_800,
      couponDiscount: 500,
      pointsUsed: 300,
      payable: 8_000,
      paymentDueAt: now,
      awaitingSince: now,
    };
    expect(accepts(OrderAwaitingPaymentV1.type, awaiting)).toBe(true);
    expect(accepts(OrderAwaitingPaymentV1.type, { ...awaiting, couponDiscount: 0, pointsUsed: 8_800, payable: 0 })).toBe(true);
    for (const field of ['subtotal', 'couponDiscount', 'pointsUsed', 'payable'] as const) {
      expect(accepts(OrderAwaitingPaymentV1.type, { ...awaiting, [field]: -1 }), field).toBe(false);
      expect(accepts(OrderAwaitingPaymentV1.type, { ...awaiting, [field]: 1.5 }), field).toBe(false);
      expect(accepts(OrderAwaitingPaymentV1.type, { ...awaiting, [field]: 1e12 + 1 }), field).toBe(false);
      const { [field]: _dropped, ...without } = awaiting;
      expect(accepts(OrderAwaitingPaymentV1.type, without), field).toBe(false);
    }
    expect(accepts(OrderAwaitingPaymentV1.type, { ...awaiting, paymentDueAt: 'in 15 minutes' })).toBe(false);
    expect(accepts(OrderAwaitingPaymentV1.type, { ...awaiting, orderId: 'o-1' })).toBe(false);
    expect(accepts(OrderAwaitingPaymentV1.type, { ...awaiting, couponId: null })).toBe(false);
  });

  it('ask for a refund of one payment with one of the listed reasons only', () => {
    expect(REFUND_REASONS).toEqual(['CUSTOMER_REQUEST', 'LATE_PAYMENT', 'DUPLICATE_PAYMENT', 'AMOUNT_MISMATCH']);
    const requested: OrderRefundRequestedV1 = { ...ids, paymentId: randomUUID(), amount: 8_000, reason: 'LATE_PAYMENT', requestedAt: now };
    for (const reason of REFUND_REASONS) expect(accepts(OrderRefundRequestedV1.type, { ...requested, reason }), reason).toBe(true);
    expect(accepts(OrderRefundRequestedV1.type, { ...requested, amount: 0 })).toBe(true);
    expect(accepts(OrderRefundRequestedV1.type, { ...requested, reason: 'PAYMENT_REFUNDED' })).toBe(false);
    expect(accepts(OrderRefundRequestedV1.type, { ...requested, paymentId: 'p-1' })).toBe(false);
    expect(accepts(OrderRefundRequestedV1.type, { ...requested, amount: -1 })).toBe(false);
    expect(accepts(OrderRefundRequestedV1.type, { ...requested, extra: 1 })).toBe(false);
    expectTypeOf<OrderRefundRequestedV1['reason']>().toEqualTypeOf<RefundReason>();
  });

  it('name every cancel reason, a participant’s rejection as its own reason prefixed with COUPON_ or POINTS_', () => {
    expect(ORDER_CANCEL_REASONS).toEqual([
      'CUSTOMER_CANCELLED',
      'RESERVATION_TIMEOUT',
      'PAYMENT_TIMEOUT',
      'POINTS_EXCEED_PAYABLE',
      ...COUPON_RESERVATION_REJECTION_REASONS.map((reason) => `COUPON_${reason}`),
      ...POINTS_RESERVATION_REJECTION_REASONS.map((reason) => `POINTS_${reason}`),
    ]);
    // order.cancelled.v1 takes each (a string of 1-64 characters, as before the list existed).
    const registryAll = new EventSchemaRegistry([OrderCancelledV1]);
    for (const reason of ORDER_CANCEL_REASONS)
      expect(
        () => registryAll.validatePayload(OrderCancelledV1.type, { ...ids, couponId: null, pointsToUse: 0, reason, cancelledAt: now }),
        reason,
      ).not.toThrow();
    expectTypeOf<OrderCancelledV1['reason']>().toEqualTypeOf<string>();
    expectTypeOf<'COUPON_EXPIRED'>().toExtend<OrderCancelReason>();
  });

  it('list the order statuses of DESIGN section 5', () => {
    expect(ORDER_STATUSES).toEqual([
      'PENDING',
      'AWAITING_PAYMENT',
      'PAID',
      'ACCEPTED',
      'SHIPPED',
      'DELIVERED',
      'COMPLETED',
      'CANCELLED',
      'REFUNDING',
      'REFUNDED',
    ]);
    expectTypeOf<OrderResponse['status']>().toEqualTypeOf<OrderStatus>();
  });
});

describe('the order context', () => {
  it('listens to the coupon and points replies and the payment events, retrying as long as the points context (a payment may overtake the reservations)', () => {
    expect([orderContext.name, orderContext.port]).toEqual(['order', 3002]);
    expect(orderContext.subscribes?.events).toEqual([
      expect.objectContaining({ type: 'coupon.reserved.v1' }),
      expect.objectContaining({ type: 'coupon.reservation-rejected.v1' }),
      expect.objectContaining({ type: 'points.reserved.v1' }),
      expect.objectContaining({ type: 'points.reservation-rejected.v1' }),
      PaymentSucceededV1,
      PaymentRefundedV1,
    ]);
    expect(orderContext.subscribes?.retryDelaysMs).toBe(SAGA_STEP_RETRY_DELAYS_MS);
    expect(retryDelaysOf(subscriptions, 'order')).toEqual([1_000, 5_000, 30_000, 120_000, 600_000, 1_800_000]);
    expect(Object.isFrozen(SAGA_STEP_RETRY_DELAYS_MS)).toBe(true);
  });
});

describe('the order routes', () => {
  it('are the thirteen of the contract, admin ones for admins only', () => {
    expect(orderContext.routes.map((route) => `${route.access} ${route.method} ${route.path} ${route.operationId} ${route.tag}`)).toEqual([
      'admin POST /admin/products createProduct catalog',
      'admin PATCH /admin/products/{sku} updateProduct catalog',
      'admin GET /admin/products listAllProducts catalog',
      'user GET /products listProducts catalog',
      'user POST /orders placeOrder orders',
      'user GET /orders/{orderId} getOrder orders',
      'user GET /orders listMyOrders orders',
      'user POST /orders/{orderId}/cancel cancelOrder orders',
      'user POST /orders/{orderId}/confirm-receipt confirmReceipt orders',
      'user POST /orders/{orderId}/refund requestRefund orders',
      'admin POST /admin/orders/{orderId}/accept acceptOrder order-admin',
      'admin POST /admin/orders/{orderId}/ship shipOrder order-admin',
      'admin POST /admin/orders/{orderId}/deliver deliverOrder order-admin',
    ]);
    expect(Object.keys(orderContext.tags)).toEqual(['catalog', 'orders', 'order-admin']);
    expect(orderContext.routes.every((route) => route.service === 'order')).toBe(true);
  });

  it('answer with the statuses and problem codes of the contract', () => {
    const statuses = Object.fromEntries(Object.entries(ORDER_ROUTES).map(([name, route]) => [name, Object.keys(route.responses).join(' ')]));
    expect(statuses).toEqual({
      createProduct: '201 400 409',
      updateProduct: '200 400 404',
      listAllProducts: '200 400',
      listProducts: '200 400',
      placeOrder: '202 400 422',
      getOrder: '200 400 404',
      listMyOrders: '200 400',
      cancelOrder: '200 400 404 409',
      confirmReceipt: '200 400 404 409',
      requestRefund: '200 400 404 409',
      acceptOrder: '200 400 404 409',
      shipOrder: '200 400 404 409',
      deliverOrder: '200 400 404 409',
    });
    expect(ORDER_ROUTES.createProduct.responses[409].description).toContain('SKU_TAKEN');
    expect(ORDER_ROUTES.updateProduct.responses[404].description).toContain('PRODUCT_NOT_FOUND');
    expect(ORDER_ROUTES.placeOrder.responses[400].description).toContain('DUPLICATE_SKU');
    for (const code of ['UNKNOWN_SKU', 'POINTS_EXCEED_SUBTOTAL', 'IDEMPOTENCY_KEY_REUSED'])
      expect(ORDER_ROUTES.placeOrder.responses[422].description).toContain(code);
    expect(ORDER_ROUTES.placeOrder.summary).toContain('Idempotency-Key');
    expect(ORDER_ROUTES.getOrder.responses[404].description).toContain('ORDER_NOT_FOUND');
    expect(ORDER_ROUTES.cancelOrder.responses[409].description).toContain('INVALID_STATE');
    for (const route of [ORDER_ROUTES.listProducts, ORDER_ROUTES.listAllProducts, ORDER_ROUTES.listMyOrders]) {
      expect(Object.keys(route.responses[200].headers)).toEqual(['next-cursor', 'link']);
      expect(route.summary).toContain('rel="next"');
    }
    expect(ORDER_ROUTES.listMyOrders.query).toBe(OrderListQuery);
    expect(ORDER_ROUTES.listProducts.query).toBe(ProductListQuery);
    expect(ORDER_ROUTES.listAllProducts.query).toBe(ProductListQuery);
  });

  it('carry schemas that ajv compiles in strict mode', () => {
    for (const schema of orderContext.routes.flatMap(bodySchemasOf)) expect(() => schemaCheck(schema), JSON.stringify(schema)).not.toThrow();
    for (const query of [ProductListQuery, OrderListQuery]) expect(() => schemaCheck(query)).not.toThrow();
  });

  describe('PlaceOrderRequest', () => {
    const place = schemaCheck(PlaceOrderRequest);
    const request: PlaceOrderRequest = { items: [{ sku: 'TEA-LONGJING-100G', quantity: 2 }], couponId: randomUUID(), pointsToUse: 300 };
    const line = (i: number) => ({ sku: `SKU-${i}`, quantity: 1 });

    it('accepts 1-50 lines of 1-99 each, an optional coupon and optional points', () => {
      expect(place(request)).toBe(true);
      expect(place({ items: request.items })).toBe(true);
      expect(place({ ...request, pointsToUse: 0 })).toBe(true);
      expect(place({ ...request, pointsToUse: 1_000_000_000_000 })).toBe(true);
      expect(place({ items: [{ sku: 'A', quantity: 1 }] })).toBe(true);
      expect(place({ items: [{ sku: 'A', quantity: 99 }] })).toBe(true);
      expect(place({ items: Array.from({ length: 50 }, (_, i) => line(i)) })).toBe(true);
      expect(ORDER_LIMITS).toEqual({ maxLines: 50, maxQuantity: 99, maxPointsToUse: 1_000_000_000_000 });
    });

    it.each([
      ['no items', { items: [] }],
      ['no items field', { couponId: randomUUID() }],
      ['51 lines', { items: Array.from({ length: 51 }, (_, i) => line(i)) }],
      ['a quantity of 0', { items: [{ sku: 'A', quantity: 0 }] }],
      ['a negative quantity', { items: [{ sku: 'A', quantity: -1 }] }],
      ['a quantity of 100', { items: [{ sku: 'A', quantity: 100 }] }],
      ['a huge quantity', { items: [{ sku: 'A', quantity: 1e300 }] }],
      ['a fractional quantity', { items: [{ sku: 'A', quantity: 1.5 }] }],
      ['a quantity as text', { items: [{ sku: 'A', quantity: '2' }] }],
      ['a line without a quantity', { items: [{ sku: 'A' }] }],
      ['a price on a line', { items: [{ sku: 'A', quantity: 1, unitPrice: 1 }] }],
      ['a total sent by the client', { ...{ items: [{ sku: 'A', quantity: 1 }] }, subtotal: 1 }],
      ['a lower-case sku', { items: [{ sku: 'tea', quantity: 1 }] }],
      ['an empty sku', { items: [{ sku: '', quantity: 1 }] }],
      ['a sku of 65 characters', { items: [{ sku: 'A'.repeat(65), quantity: 1 }] }],
      ['a sku starting with a dash', { items: [{ sku: '-A', quantity: 1 }] }],
      ['a sku with a space', { items: [{ sku: 'A B', quantity: 1 }] }],
      ['negative points', { items: [{ sku: 'A', quantity: 1 }], pointsToUse: -1 }],
      ['fractional points', { items: [{ sku: 'A', quantity: 1 }], pointsToUse: 0.5 }],
      ['points over a trillion', { items: [{ sku: 'A', quantity: 1 }], pointsToUse: 1e12 + 1 }],
      ['a coupon id that is no UUID', { items: [{ sku: 'A', quantity: 1 }], couponId: 'c-1' }],
      ['a null coupon id', { items: [{ sku: 'A', quantity: 1 }], couponId: null }],
    ])('refuses %s', (_case, body) => {
      expect(place(body)).toBe(false);
    });

    it('takes a sku of 64 characters of the allowed ones', () => {
      expect(place({ items: [{ sku: 'A' + '0._-'.repeat(15) + 'Z09', quantity: 1 }] })).toBe(true);
    });
  });

  it('answer a placement with PENDING or AWAITING_PAYMENT only', () => {
    const placed = schemaCheck(PlaceOrderResponse);
    expect(placed({ orderId: randomUUID(), status: 'PENDING' })).toBe(true);
    expect(placed({ orderId: randomUUID(), status: 'AWAITING_PAYMENT' })).toBe(true);
    expect(placed({ orderId: randomUUID(), status: 'PAID' })).toBe(false);
    expectTypeOf<PlaceOrderResponse['status']>().toEqualTypeOf<'PENDING' | 'AWAITING_PAYMENT'>();
  });

  describe('the product bodies', () => {
    const create = schemaCheck(CreateProductRequest);
    const update = schemaCheck(UpdateProductRequest);
    const product: CreateProductRequest = { sku: 'MUG-CERAMIC', name: 'Ceramic mug', price: 3_900 };

    it('create a product with a sku, a name of 1-200 characters and a price of 1-100000000 fen', () => {
      expect(create(product)).toBe(true);
      expect(create({ ...product, active: false })).toBe(true);
      expect(create({ ...product, price: 1 })).toBe(true);
      expect(create({ ...product, price: 100_000_000 })).toBe(true);
      expect(create({ ...product, name: 'x'.repeat(200) })).toBe(true);
      for (const change of [
        { price: 0 },
        { price: -1 },
        { price: 100_000_001 },
        { price: 12.5 },
        { name: '' },
        { name: 'x'.repeat(201) },
        { sku: 'mug' },
        { active: 'yes' },
        { productId: randomUUID() },
      ])
        expect(create({ ...product, ...change }), JSON.stringify(change)).toBe(false);
      for (const field of ['sku', 'name', 'price'] as const) {
        const { [field]: _dropped, ...without } = product;
        expect(create(without), field).toBe(false);
      }
    });

    it('update at least one of name, price and active, never the sku', () => {
      expect(update({ price: 4_200 })).toBe(true);
      expect(update({ active: false })).toBe(true);
      expect(update({ name: 'Mug', price: 1, active: true })).toBe(true);
      expect(update({})).toBe(false);
      expect(update({ sku: 'OTHER' })).toBe(false);
      expect(update({ price: 0 })).toBe(false);
      expect(update({ name: '' })).toBe(false);
    });

    it('answer a product with every field', () => {
      const answer = schemaCheck(ProductResponse);
      const now = new Date().toISOString();
      expect(answer({ productId: randomUUID(), ...product, active: true, createdAt: now, updatedAt: now })).toBe(true);
      expect(answer({ productId: randomUUID(), ...product, createdAt: now, updatedAt: now })).toBe(false);
    });
  });

  describe.each([
    ['ProductListQuery', ProductListQuery, PRODUCT_LIST_LIMIT, { max: 100, default: 50 }],
    ['OrderListQuery', OrderListQuery, ORDER_LIST_LIMIT, { max: 100, default: 20 }],
  ])('%s', (_name, schema, limits, expected) => {
    const query = schemaCheck(schema);

    it('accepts a cursor and a limit from 1 to 100, as text', () => {
      expect(limits).toEqual(expected);
      expect(query({})).toBe(true);
      for (const limit of ['1', '9', '10', '50', '99', '100']) expect(query({ limit }), limit).toBe(true);
      for (const cursor of ['a', 'MTIzNDU', 'A-z_0-9', 'x'.repeat(200)]) expect(query({ cursor, limit: '20' }), cursor).toBe(true);
    });

    it('refuses a limit outside 1-100 or not in plain digits, a malformed cursor and unknown parameters', () => {
      for (const limit of ['0', '101', '200', '01', '-1', '1e2', ' 7', '7 ', '1.5', '']) expect(query({ limit }), limit).toBe(false);
      expect(query({ limit: 20 })).toBe(false);
      for (const cursor of ['', 'x'.repeat(201), 'MTIz=', 'a+b', 'a/b', 'a b', "'; DROP TABLE orders; --"]) expect(query({ cursor }), cursor).toBe(false);
      expect(query({ page: '2' })).toBe(false);
    });

    it('is an object of string properties, as query strings are', () => {
      for (const [name, property] of Object.entries(schema.properties)) expect((property as { type?: string }).type, name).toBe('string');
    });
  });

  describe('OrderResponse', () => {
    const order = schemaCheck(OrderResponse);
    const now = new Date().toISOString();
    const placed: OrderResponse = {
      orderId: randomUUID(),
      userId: randomUUID(),
      status: 'PENDING',
      items: [{ sku: 'MUG-CERAMIC', name: 'Ceramic mug', quantity: 2, unitPrice: 3_900, lineTotal: 7_800 }],
      subtotal: 7_800,
      couponId: randomUUID(),
      couponDiscount: 0,
      pointsToUse: 100,
      pointsUsed: 0,
      payable: null,
      cancelReason: null,
      paymentId: null,
      amountPaid: null,
      paymentDueAt: null,
      placedAt: now,
      updatedAt: now,
      history: [{ status: 'PENDING', at: now, reason: null }],
    };

    it('describes an order from its placement to its refund', () => {
      expect(order(placed)).toBe(true);
      const cancelled = {
        ...placed,
        status: 'CANCELLED',
        cancelReason: 'COUPON_EXPIRED',
        history: [...placed.history, { status: 'CANCELLED', at: now, reason: 'COUPON_EXPIRED' }],
      };
      expect(order(cancelled)).toBe(true);
      const paid = {
        ...placed,
        status: 'REFUNDED',
        couponDiscount: 500,
        pointsUsed: 100,
        payable: 7_200,
        paymentId: randomUUID(),
        amountPaid: 7_200,
        paymentDueAt: now,
      };
      expect(order(paid)).toBe(true);
    });

    it('refuses a status or a cancel reason off the lists, and a missing field', () => {
      expect(order({ ...placed, status: 'LOST' })).toBe(false);
      expect(order({ ...placed, cancelReason: 'COUPON_REJECTED' })).toBe(false);
      expect(order({ ...placed, history: [{ status: 'GONE', at: now, reason: null }] })).toBe(false);
      const { payable: _payable, ...withoutPayable } = placed;
      expect(order(withoutPayable)).toBe(false);
    });

    it('derives its static type from the schema', () => {
      expectTypeOf<OrderResponse['cancelReason']>().toEqualTypeOf<OrderCancelReason | null>();
      expectTypeOf<OrderResponse['payable']>().toEqualTypeOf<number | null>();
      expectTypeOf<OrderResponse['history'][number]>().toEqualTypeOf<{ status: OrderStatus; at: string; reason: string | null }>();
      expectTypeOf<PlaceOrderRequest>().toEqualTypeOf<{ items: { sku: string; quantity: number }[]; couponId?: string; pointsToUse?: number }>();
      expectTypeOf<UpdateProductRequest>().toEqualTypeOf<{ name?: string; price?: number; active?: boolean }>();
    });
  });
});
