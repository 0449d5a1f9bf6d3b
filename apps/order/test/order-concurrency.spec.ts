// One order, two things happening to it at once: the customer cancels while the payment context reports
// the payment captured, or a reservation's answer arrives twice (and with the opposite answer) at two
// instances. Two order-service instances share one PostgreSQL database and one RabbitMQ virtual host
// (each its own pool, HTTP port and consumer); the cancels go to both, the events to whichever consumer
// RabbitMQ picks. Each handler loads the order FOR UPDATE and saves it with a version check, so every order
// ends in exactly one outcome, with exactly the events of that outcome in the outbox.
import { randomUUID } from 'node:crypto';
import { CouponReservationRejectedV1, CouponReservedV1, PaymentSucceededV1, type EventEnvelope, type OrderResponse } from '@shop/contracts';
import type { Identity } from '@shop/http';
import { Cleanups, metricValue } from '@shop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderServiceHome, aCustomer, anAdmin, envelopeOf, problemOf, testOrderConfig, type RunningOrderService } from './support/order-service-harness.js';

const ORDERS_PER_ROUND = 20;
const MAX_ROUNDS = 6;

describe('an order raced on two instances sharing one PostgreSQL database', () => {
  const cleanups = new Cleanups();
  let home: OrderServiceHome;
  let instances: RunningOrderService[];
  let sku: string;

  beforeAll(async () => {
    home = await OrderServiceHome.create('postgres+amqp', cleanups);
    // The reservation deadline far away: the orders waiting for a coupon here are decided by the replies only.
    instances = await home.startInstances(2, testOrderConfig({ ORDER_RESERVATION_TIMEOUT: '1h' }));
    sku = `RACE-${randomUUID().slice(0, 8).toUpperCase()}`;
    await instances[0]!.api.addProduct({ sku, name: 'Raced tea', price: 4_200 }, anAdmin());
  }, 120_000);
  afterAll(() => cleanups.run());

  const api = (i: number) => instances[i % instances.length]!.api;

  /** How many events of each type the service wrote for the order. */
  async function eventCounts(orderId: string): Promise<Record<string, number>> {
    const rows = await home.query<{ type: string; n: string | number }>(
      `SELECT type, COUNT(*) AS n FROM outbox WHERE aggregate_id = $1 GROUP BY type ORDER BY type`,
      [orderId],
    );
    return Object.fromEntries(rows.map((row) => [row.type, Number(row.n)]));
  }

  async function refundRequestsOf(orderId: string): Promise<Array<Record<string, unknown>>> {
    const rows = await home.query<{ payload: string | Record<string, unknown> }>(
      `SELECT payload FROM outbox WHERE aggregate_id = $1 AND type = 'order.refund-requested.v1' ORDER BY seq`,
      [orderId],
    );
    return rows.map((row) => (typeof row.payload === 'string' ? (JSON.parse(row.payload) as Record<string, unknown>) : row.payload));
  }

  const paymentOf = (order: OrderResponse): EventEnvelope<PaymentSucceededV1> => {
    const paymentId = randomUUID();
    return envelopeOf(
      PaymentSucceededV1,
      { paymentId, orderId: order.orderId, userId: order.userId, amount: order.payable!, succeededAt: new Date().toISOString() },
      { aggregateId: paymentId, source: 'payment' },
    );
  };

  /** How many payments an instance's consumer has handled (`shop_messages_handled_total` on its /metrics). */
  async function paymentsHandledBy(instance: RunningOrderService): Promise<number> {
    const labels = { type: PaymentSucceededV1.type, handler: 'mark-order-paid-on-payment-succeeded' };
    return metricValue(await instance.api.metrics(), 'shop_messages_handled_total', labels) ?? 0;
  }

  /** Whether each instance's consumer has handled payments: the race ran across the instances, not inside one. */
  async function eachInstanceTookPayments(): Promise<boolean> {
    return (await Promise.all(instances.map(paymentsHandledBy))).every((handled) => handled > 0);
  }

  /** Orders awaiting payment (no coupon, no points), placed through both instances. */
  async function awaitingOrders(customer: Identity, count: number): Promise<OrderResponse[]> {
    const orders: OrderResponse[] = [];
    for (let i = 0; i < count; i++) {
      const { orderId, status } = await api(i).place(customer, { items: [{ sku, quantity: 1 + (i % 3) }] });
      expect(status).toBe('AWAITING_PAYMENT');
      orders.push(await api(i + 1).order(customer, orderId));
    }
    return orders;
  }

  it('customer cancel racing payment.succeeded.v1: each order CANCELLED with one LATE_PAYMENT refund request, or PAID with the cancel answered 409 — never both, never twice', async () => {
    const outcomes = { cancelled: 0, paid: 0 };
    // Rounds of 20 orders, more (at most MAX_ROUNDS) until both outcomes were seen and each instance's consumer took
    // payments: which side wins is the race's, which consumer RabbitMQ hands a message to is its own choice.
    const raced = async () => outcomes.cancelled > 0 && outcomes.paid > 0 && (await eachInstanceTookPayments());
    for (let round = 1; round <= 2 || (round <= MAX_ROUNDS && !(await raced())); round++) {
      const customer = aCustomer();
      const orders = await awaitingOrders(customer, ORDERS_PER_ROUND);
      const payments = orders.map(paymentOf);

      // The payments published at once; each cancel sent a little later than the one before, through both instances,
      // so that some cancels beat their payment to the order's row and some come after it.
      const [cancels] = await Promise.all([
        Promise.all(
          orders.map(async (order, i) => {
            await new Promise((resolve) => setTimeout(resolve, i * 4 * round));
            return api(i).cancelOrder(customer, order.orderId);
          }),
        ),
        home.deliver(...payments),
      ]);

      for (const [i, order] of orders.entries()) {
        const answer = cancels[i]!;
        const final = await api(i + 1).order(customer, order.orderId);
        const events = await eventCounts(order.orderId);
        const statuses = final.history.map((entry) => entry.status);
        const context = { round, orderId: order.orderId, cancel: answer.status, status: final.status };
        if (answer.status === 200) {
          outcomes.cancelled++;
          expect({ ...context, cancelReason: final.cancelReason, paymentId: final.paymentId }).toEqual({
            ...context,
            cancelReason: 'CUSTOMER_CANCELLED',
            paymentId: null,
          });
          expect({ ...context, status: final.status }).toEqual({ ...context, status: 'CANCELLED' });
          expect({ ...context, statuses }).toEqual({ ...context, statuses: ['PENDING', 'AWAITING_PAYMENT', 'CANCELLED'] });
          expect({ ...context, events }).toEqual({
            ...context,
            events: { 'order.placed.v1': 1, 'order.awaiting-payment.v1': 1, 'order.cancelled.v1': 1, 'order.refund-requested.v1': 1 },
          });
          expect(await refundRequestsOf(order.orderId)).toEqual([
            expect.objectContaining({ paymentId: payments[i]!.payload.paymentId, amount: order.payable, reason: 'LATE_PAYMENT' }),
          ]);
        } else {
          outcomes.paid++;
          const problem = await problemOf(answer);
          expect({ ...context, code: problem.code }).toEqual({ ...context, cancel: 409, code: 'INVALID_STATE', status: 'PAID' });
          expect({ ...context, paymentId: final.paymentId, amountPaid: final.amountPaid }).toEqual({
            ...context,
            paymentId: payments[i]!.payload.paymentId,
            amountPaid: order.payable,
          });
          expect({ ...context, statuses }).toEqual({ ...context, statuses: ['PENDING', 'AWAITING_PAYMENT', 'PAID'] });
          expect({ ...context, events }).toEqual({ ...context, events: { 'order.placed.v1': 1, 'order.awaiting-payment.v1': 1, 'order.paid.v1': 1 } });
        }
      }

      // The same payments again, each twice over (the same message, and a copy under an id of its own), to either
      // instance: each order is as it was, no event more.
      const before = await Promise.all(orders.map(async (order) => [await eventCounts(order.orderId), await api(0).order(customer, order.orderId)]));
      await Promise.all(payments.map((payment) => home.deliverTwice(payment)));
      const after = await Promise.all(orders.map(async (order) => [await eventCounts(order.orderId), await api(1).order(customer, order.orderId)]));
      expect(after).toEqual(before);
    }
    // Both outcomes happened, across both instances: the race really was run, not won by one side every time.
    expect(outcomes.cancelled).toBeGreaterThan(0);
    expect(outcomes.paid).toBeGreaterThan(0);
    for (const instance of instances) expect(await paymentsHandledBy(instance)).toBeGreaterThan(0);
  }, 600_000);

  it('a coupon’s reservation answered twice and refused at the same time, to both instances: each order decided once, awaiting payment or cancelled', async () => {
    const customer = aCustomer();
    const placed: Array<{ orderId: string; couponId: string }> = [];
    for (let i = 0; i < ORDERS_PER_ROUND; i++) {
      const couponId = randomUUID();
      const { orderId, status } = await api(i).place(customer, { items: [{ sku, quantity: 1 }], couponId });
      expect(status).toBe('PENDING');
      placed.push({ orderId, couponId });
    }
    const now = () => new Date().toISOString();
    // Each answer under an aggregate of its own, so that nothing keeps them in line: both consumers take them as they come.
    const replies = placed.flatMap(({ orderId, couponId }) => {
      const reserved = envelopeOf(
        CouponReservedV1,
        { orderId, couponId, userId: customer.userId, discount: 500, reservedAt: now() },
        { aggregateId: randomUUID(), source: 'coupon' },
      );
      const rejected = envelopeOf(
        CouponReservationRejectedV1,
        { orderId, couponId, userId: customer.userId, reason: 'NOT_AVAILABLE', rejectedAt: now() },
        { aggregateId: randomUUID(), source: 'coupon' },
      );
      return [reserved, { ...reserved, id: randomUUID(), aggregateId: randomUUID() }, rejected];
    });
    await home.deliver(...replies);

    const decided = { awaiting: 0, cancelled: 0 };
    for (const { orderId } of placed) {
      const order = await api(0).order(customer, orderId);
      const events = await eventCounts(orderId);
      const statuses = order.history.map((entry) => entry.status);
      if (order.status === 'AWAITING_PAYMENT') {
        decided.awaiting++;
        expect({ orderId, couponDiscount: order.couponDiscount, payable: order.payable, statuses, events }).toEqual({
          orderId,
          couponDiscount: 500,
          payable: 4_200 - 500,
          statuses: ['PENDING', 'AWAITING_PAYMENT'],
          events: { 'order.placed.v1': 1, 'order.awaiting-payment.v1': 1 },
        });
      } else {
        decided.cancelled++;
        expect({ orderId, status: order.status, cancelReason: order.cancelReason, payable: order.payable, statuses, events }).toEqual({
          orderId,
          status: 'CANCELLED',
          cancelReason: 'COUPON_NOT_AVAILABLE',
          payable: null,
          statuses: ['PENDING', 'CANCELLED'],
          events: { 'order.placed.v1': 1, 'order.cancelled.v1': 1 },
        });
      }
    }
    expect(decided.awaiting + decided.cancelled).toBe(ORDERS_PER_ROUND);
  }, 300_000);
});
