// One placed order is one trace, on the embedded platform (the gateway and every context in this
// process, SQLite, the in-memory transport): the gateway's SERVER and CLIENT spans, the order service's
// SERVER span, the outbox's create → the relay's send → the consumers' process spans in coupon and
// points, their replies back to order, and order.awaiting-payment.v1 on to payment, all under one trace
// id and one correlation id (issue 13). Spans are kept in memory (recordSpans) from before the platform
// starts, as the platform's main starts tracing before any context opens its database. With tracing
// off, nothing of it is written: the outbox rows' trace columns stay NULL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyHeaders, type PlaceOrderRequest } from '@shop/client';
import { silentLogger, tracingEnabled } from '@shop/observability';
import { recordSpans, type RecordedSpans } from '@shop/observability/testing';
import { openExistingServiceDatabase } from '@shop/persistence';
import { waitFor } from '@shop/testing';
import { startEmbeddedPlatform, type EmbeddedPlatform } from '../src/embedded-platform.js';
import { expectAnswer, gatewayClient } from './support/gateway-client.js';
import { expectPlacedOrderTrace, traceSpanOf, type PlacedOrderTrace } from './support/placed-order-trace.js';
import { shopSteps, type Customer } from './support/shop-steps.js';

const ADMIN = { email: 'trace-admin@shop.example', password: 'an admin passphrase' };
const SETTLE_MS = 20_000;
const BONUS = { available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 };

interface OutboxRow {
  readonly type: string;
  readonly trace_parent: string | null;
  readonly trace_state: string | null;
}

/** A platform of the test's own on a fresh data folder, and the steps of a purchase through its gateway. */
function platformForTest(name: string) {
  let platform: EmbeddedPlatform | undefined;
  let dataDir: string | undefined;
  let adminToken = '';
  const gateway = gatewayClient(() => platform!.apiUrl);
  const steps = shopSteps(gateway, { settleMs: SETTLE_MS, adminToken: () => adminToken });
  let basket: PlaceOrderRequest['items'] = [];

  const start = async () => {
    dataDir = mkdtempSync(join(tmpdir(), `shop-embedded-${name}-`));
    platform = await startEmbeddedPlatform({
      dataDir,
      port: 0,
      host: '127.0.0.1',
      env: { RATE_LIMIT_PER_MINUTE: '0', SHOP_ADMIN_EMAIL: ADMIN.email, SHOP_ADMIN_PASSWORD: ADMIN.password },
      logger: silentLogger(),
    });
    adminToken = await gateway.logIn(ADMIN);
    // Enough of the demo catalog's first product for the campaign's 50 yuan minimum spend.
    const [first] = await expectAnswer(200, gateway.api(adminToken).GET('/products'));
    if (!first) throw new Error('the demo catalog is empty');
    basket = [{ sku: first.sku, quantity: Math.min(99, Math.ceil(6_000 / first.price)) }];
  };
  const close = async () => {
    await platform?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };

  /** A new customer with the sign-up bonus in and a coupon of a new campaign claimed. */
  const customerWithCoupon = async (who: string): Promise<Customer & { couponId: string }> => {
    const customer = await gateway.newCustomer(who);
    await steps.pointsBecome(customer, BONUS);
    return { ...customer, couponId: await steps.claim(customer, (await steps.campaign()).templateId) };
  };

  /**
   * `POST /orders` with the coupon and 60 points, as a front-end sends it, then the saga through to
   * AWAITING_PAYMENT (both reservations in): the order's id and the correlation id the gateway answered with.
   */
  const placeAndSettle = async (customer: Customer & { couponId: string }): Promise<{ orderId: string; correlationId: string }> => {
    const { data, error, response } = await gateway
      .api(customer.token)
      .POST('/orders', { body: { items: basket, couponId: customer.couponId, pointsToUse: 60 }, headers: idempotencyHeaders() });
    expect(response.status, JSON.stringify(error ?? data)).toBe(202);
    const correlationId = response.headers.get('x-correlation-id');
    expect(correlationId).toEqual(expect.any(String));
    await steps.orderBecomes(customer, data!.orderId, 'AWAITING_PAYMENT');
    return { orderId: data!.orderId, correlationId: correlationId! };
  };

  /** The outbox rows a context wrote under a correlation id (read-only, beside the running service: SQLite in WAL mode). */
  const outboxOf = async (service: string, correlationId: string): Promise<OutboxRow[]> => {
    const database = await openExistingServiceDatabase(service, { sqliteDir: dataDir! }, {}, { applicationName: 'tracing spec', readOnly: true });
    if (typeof database === 'string') throw new Error(database);
    try {
      return (await database.query('SELECT type, trace_parent, trace_state FROM outbox WHERE correlation_id = ? ORDER BY seq', [correlationId])) as OutboxRow[];
    } finally {
      await database.destroy();
    }
  };

  return { start, close, customerWithCoupon, placeAndSettle, outboxOf };
}

describe('tracing a placed order on the embedded platform', { timeout: 60_000 }, () => {
  const shop = platformForTest('tracing');
  let recorded: RecordedSpans;

  /** The order's whole trace once every span of it has ended (spans end after the work they time: polled). */
  const traceOf = (correlationId: string): Promise<PlacedOrderTrace> =>
    waitFor(() => expectPlacedOrderTrace(recorded.spans.map(traceSpanOf), { correlationId, messagingSystem: 'shop.memory', oneProcessNamed: 'shop' }), {
      what: `the whole trace of the order placed with correlation id ${correlationId}`,
      timeoutMs: SETTLE_MS,
    });

  beforeAll(async () => {
    // Before the platform, as its main does.
    recorded = recordSpans('shop');
    await shop.start();
  }, 60_000);
  afterAll(async () => {
    await shop.close();
    await recorded?.stop();
  });

  it('is one trace from the gateway through order, the broker, coupon and points and back to order, under the response’s correlation id', async () => {
    const customer = await shop.customerWithCoupon('ada');
    const { correlationId } = await shop.placeAndSettle(customer);
    const trace = await traceOf(correlationId);

    expect(new Set(trace.transactions.map((span) => span.attributes['shop.service']))).toEqual(new Set(['order', 'coupon', 'points', 'payment']));
    expect(trace.transactions.map((span) => span.attributes['db.system.name'])).toEqual(trace.transactions.map(() => 'sqlite'));
    expect(trace.sendPlaced.attributes).toMatchObject({
      'messaging.operation.type': 'send',
      'messaging.destination.name': 'shop.events',
      'messaging.rabbitmq.destination.routing_key': 'order.placed.v1',
      'messaging.message.conversation_id': correlationId,
    });
    // The message the consumers processed is the one the relay sent.
    for (const context of ['coupon', 'points'] as const)
      expect(trace.processPlaced[context].attributes['messaging.message.id']).toBe(trace.sendPlaced.attributes['messaging.message.id']);

    // The outbox keeps the create span's context with the row: the relay's send continued it.
    const placedRow = (await shop.outboxOf('order', correlationId)).find((row) => row.type === 'order.placed.v1');
    expect(placedRow?.trace_parent).toBe(`00-${trace.traceId}-${trace.createPlaced.spanId}-01`);
  });

  it('makes another order another trace', async () => {
    const first = await shop.placeAndSettle(await shop.customerWithCoupon('bea'));
    const second = await shop.placeAndSettle(await shop.customerWithCoupon('cal'));
    const [firstTrace, secondTrace] = [await traceOf(first.correlationId), await traceOf(second.correlationId)];

    expect(first.correlationId).not.toBe(second.correlationId);
    expect(secondTrace.traceId).not.toBe(firstTrace.traceId);
    // Every span of each order's work is in that order's trace: none went into the other's (a context left active, a relay batch of both).
    for (const [{ correlationId }, { traceId }] of [
      [first, firstTrace],
      [second, secondTrace],
    ] as const) {
      const ofOrder = recorded.spans.map(traceSpanOf).filter((span) => span.attributes['shop.correlation_id'] === correlationId);
      expect(ofOrder.filter((span) => span.traceId !== traceId).map((span) => span.name)).toEqual([]);
    }
  });
});

describe('the embedded platform with tracing off', { timeout: 60_000 }, () => {
  const shop = platformForTest('untraced');

  beforeAll(() => shop.start(), 60_000);
  afterAll(() => shop.close());

  it('writes no trace context with the outbox rows of a placed order and its reservations', async () => {
    expect(tracingEnabled()).toBe(false);
    const customer = await shop.customerWithCoupon('dan');
    const { correlationId } = await shop.placeAndSettle(customer);

    const rows = [];
    for (const service of ['order', 'coupon', 'points']) rows.push(...(await shop.outboxOf(service, correlationId)));
    expect(rows.map((row) => row.type)).toEqual(
      expect.arrayContaining(['order.placed.v1', 'order.awaiting-payment.v1', 'coupon.reserved.v1', 'points.reserved.v1']),
    );
    expect(rows.filter((row) => row.trace_parent !== null || row.trace_state !== null)).toEqual([]);
  });
});
