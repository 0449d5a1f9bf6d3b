import { randomUUID } from 'node:crypto';
import { OrderAwaitingPaymentV1, OrderCancelledV1, OrderPaidV1, OrderPlacedV1, PaymentSucceededV1 } from '@shop/contracts';
import { Cleanups, metricValue, waitFor } from '@shop/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { OrderServiceHome, aCustomer, envelopeOf, testOrderConfig, type RunningOrderService } from './support/order-service-harness.js';

const TEA = { sku: 'TEA-LONGJING-100G', name: 'Longjing tea, 100 g', price: 8_800 };
/** Orders waiting for their reservations (a coupon and points no service here will ever answer for). */
const PENDING_ORDERS = 8;

/** The timeout job's runs this instance started (the scheduler's counter). */
async function jobRuns(instance: RunningOrderService): Promise<number> {
  return metricValue(await instance.api.metrics(), 'shop_scheduled_job_runs_total', { job: 'order.expire-overdue' }) ?? 0;
}

/**
 * The timeout job on PostgreSQL with two instances: a 1 s reservation timeout, scanned every 100 ms in
 * batches of 3 (so a run with more due runs again at once). The payment timeout is 3 s on the first
 * instance and 10 min on the second, which places the order to be paid: its deadline is its own row's,
 * so the payment never races it, while both instances' jobs still scan every order. Nothing answers the
 * order's saga here: the coupon and points services are not running.
 */
describe('order timeouts on PostgreSQL with two instances', () => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  it('cancels every overdue order exactly once (one order.cancelled.v1 each), PENDING and AWAITING_PAYMENT alike, and never a paid one', async () => {
    const home = await OrderServiceHome.create('postgres+amqp', cleanups);
    const settings = { ORDER_RESERVATION_TIMEOUT: '1s', ORDER_TIMEOUT_SCAN_INTERVAL_MS: '100', ORDER_TIMEOUT_BATCH_SIZE: '3' };
    const instances = [
      await home.start(testOrderConfig({ ...settings, ORDER_PAYMENT_TIMEOUT: '3s' })),
      await home.start(testOrderConfig({ ...settings, ORDER_PAYMENT_TIMEOUT: '10m' })),
    ];
    const [a, b] = instances as [RunningOrderService, RunningOrderService];
    const probe = await home.listen([OrderPlacedV1.type, OrderAwaitingPaymentV1.type, OrderCancelledV1.type, OrderPaidV1.type]);
    await a.api.addProduct(TEA);

    const customer = aCustomer();
    // Placed on both instances in turn.
    const pending: string[] = [];
    for (let i = 0; i < PENDING_ORDERS; i++) {
      const api = instances[i % 2]!.api;
      const placed = await api.place(customer, { items: [{ sku: TEA.sku, quantity: 1 + i }], couponId: randomUUID(), pointsToUse: 100 });
      expect(placed.status).toBe('PENDING');
      pending.push(placed.orderId);
    }
    const unpaid = await a.api.place(customer, { items: [{ sku: TEA.sku, quantity: 1 }] });
    const paid = await b.api.place(customer, { items: [{ sku: TEA.sku, quantity: 2 }] });
    expect([unpaid.status, paid.status]).toEqual(['AWAITING_PAYMENT', 'AWAITING_PAYMENT']);
    const payment = randomUUID();
    await home.deliver(
      envelopeOf(
        PaymentSucceededV1,
        { paymentId: payment, orderId: paid.orderId, userId: customer.userId, amount: 2 * TEA.price, succeededAt: new Date().toISOString() },
        { aggregateId: paid.orderId },
      ),
    );
    expect((await a.api.order(customer, paid.orderId)).status).toBe('PAID');

    const cancelled = [...pending, unpaid.orderId];
    await waitFor(async () => (await home.count('orders', `status = 'CANCELLED'`)) === cancelled.length, {
      timeoutMs: 30_000,
      what: 'every overdue order cancelled',
    });
    // Scans go on: whatever a second instance or a second run could do twice, it does once both have run the job thrice more.
    const runsBefore = await Promise.all(instances.map(jobRuns));
    await waitFor(async () => (await Promise.all(instances.map(jobRuns))).every((runs, i) => runs >= runsBefore[i]! + 3), {
      timeoutMs: 30_000,
      what: 'both instances ran the timeout job three more times',
    });

    for (const orderId of pending) {
      const order = await a.api.order(customer, orderId);
      expect(order).toMatchObject({ status: 'CANCELLED', cancelReason: 'RESERVATION_TIMEOUT' });
      expect(order.history.map((entry) => [entry.status, entry.reason])).toEqual([
        ['PENDING', null],
        ['CANCELLED', 'RESERVATION_TIMEOUT'],
      ]);
    }
    const timedOut = await a.api.order(customer, unpaid.orderId);
    expect(timedOut).toMatchObject({ status: 'CANCELLED', cancelReason: 'PAYMENT_TIMEOUT' });
    expect(timedOut.history.map((entry) => entry.status)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'CANCELLED']);
    const stillPaid = await a.api.order(customer, paid.orderId);
    expect(stillPaid).toMatchObject({ status: 'PAID', cancelReason: null, paymentId: payment });

    // Exactly one order.cancelled.v1 per cancelled order, in the outbox and as heard by another service.
    expect(await home.count('outbox', `type = 'order.cancelled.v1'`)).toBe(cancelled.length);
    await waitFor(() => probe.seen.filter((event) => event.type === OrderCancelledV1.type).length >= cancelled.length, {
      what: 'the cancellations relayed',
    });
    const heard = probe.seen.filter((event) => event.type === OrderCancelledV1.type);
    expect(heard.map((event) => event.aggregateId).sort()).toEqual([...cancelled].sort());
    expect(heard.map((event) => (event.payload as { reason: string }).reason).sort()).toEqual(['PAYMENT_TIMEOUT', ...pending.map(() => 'RESERVATION_TIMEOUT')]);
    expect(probe.about([paid.orderId]).map((event) => event.type)).toEqual([OrderPlacedV1.type, OrderAwaitingPaymentV1.type, OrderPaidV1.type]);
  });
});
