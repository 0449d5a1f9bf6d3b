// One payment, several things happening to it at once, on two payment-service instances sharing one
// PostgreSQL database (each its own pool, HTTP port and jobs): two POST /payments of one order; a
// provider's callback racing the reconciliation job that asks the provider about the same payment; a
// burst of the same callback. The order's projection row is locked, and the partial unique index on
// PENDING payments backs it; each payment is loaded FOR UPDATE and saved with a version check. So each
// order ends with one PENDING payment, and each payment with exactly one event of its settlement.
import { createHmac, randomUUID } from 'node:crypto';
import type { Identity } from '@shop/http';
import { Cleanups, capturingLogger, waitFor } from '@shop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PaymentServiceHome,
  WEBHOOK_SECRET,
  aCustomer,
  orderAwaitingPayment,
  problemOf,
  testPaymentConfig,
  type RunningPaymentService,
} from './support/payment-service-harness.js';

const ORDERS = 20;
const MAX_ROUNDS = 6;

/** The `Payment-Signature` a provider sends for `body` now. */
function signatureOf(body: string): string {
  const t = String(Math.floor(Date.now() / 1000));
  return `t=${t},v1=${createHmac('sha256', WEBHOOK_SECRET).update(`${t}.${body}`).digest('hex')}`;
}

describe('payments raced on two instances sharing one PostgreSQL database', () => {
  const cleanups = new Cleanups();
  let home: PaymentServiceHome;
  let instances: RunningPaymentService[];
  // Each instance's log: the callback controller says whether it applied a callback or found it settled.
  const logs = [capturingLogger({ service: 'payment', level: 'info' }), capturingLogger({ service: 'payment', level: 'info' })];

  beforeAll(async () => {
    home = await PaymentServiceHome.create('postgres+amqp', cleanups);
    // Reconciliation of every PENDING payment at once, every 50 ms, on both instances (the scheduler lets one run it at a time).
    const config = testPaymentConfig({ PAYMENT_RECONCILE_AFTER: '0', PAYMENT_RECONCILE_INTERVAL: '50ms' });
    instances = [];
    for (const log of logs) instances.push(await home.start(config, { logger: log.logger }));
  }, 120_000);
  afterAll(() => cleanups.run());

  const api = (i: number) => instances[i % instances.length]!.api;

  async function payableOrders(count: number): Promise<Array<{ customer: Identity; orderId: string }>> {
    const orders = Array.from({ length: count }, () => {
      const customer = aCustomer();
      return { customer, awaiting: orderAwaitingPayment({ userId: customer.userId, payable: 6_600 }) };
    });
    await home.deliver(...orders.map((order) => order.awaiting));
    return orders.map(({ customer, awaiting }) => ({ customer, orderId: awaiting.payload.orderId }));
  }

  async function statusesOf(orderId: string): Promise<string[]> {
    return (await home.query<{ status: string }>(`SELECT status FROM payment WHERE order_id = $1`, [orderId])).map((row) => row.status);
  }

  /** A provider's success callback of the whole payment, as JSON text. */
  async function callbackOf(payment: { paymentId: string; amount: number }): Promise<string> {
    const [charge] = await home.query<{ provider_payment_id: string }>(`SELECT provider_payment_id FROM payment_sandbox_charge WHERE payment_id = $1`, [
      payment.paymentId,
    ]);
    return JSON.stringify({
      eventId: randomUUID(),
      type: 'payment.succeeded',
      paymentId: payment.paymentId,
      providerPaymentId: charge!.provider_payment_id,
      amount: payment.amount,
      currency: 'CNY',
      occurredAt: new Date().toISOString(),
    });
  }

  async function eventTypesOf(paymentId: string): Promise<string[]> {
    return (await home.query<{ type: string }>(`SELECT type FROM outbox WHERE aggregate_id = $1 ORDER BY seq`, [paymentId])).map((row) => row.type);
  }

  it('two POST /payments of one order at once, through both instances: one 201, one 409 PAYMENT_IN_PROGRESS, one PENDING payment', async () => {
    const orders = await payableOrders(ORDERS);
    await Promise.all(
      orders.map(async (order, i) => {
        const answers = await Promise.all([
          api(i).createPayment(order.customer, { orderId: order.orderId }),
          api(i + 1).createPayment(order.customer, { orderId: order.orderId }, { idempotencyKey: randomUUID() }),
        ]);
        const codes = await Promise.all(answers.map(async (answer) => (answer.status === 201 ? 201 : `${answer.status} ${(await problemOf(answer)).code}`)));
        expect({ orderId: order.orderId, codes: codes.sort() }).toEqual({ orderId: order.orderId, codes: [201, '409 PAYMENT_IN_PROGRESS'] });
        expect(await statusesOf(order.orderId)).toEqual(['PENDING']);
      }),
    );
  });

  it('the same Idempotency-Key sent twice at once, through both instances: one payment; the second answer is the first replayed, or 409 REQUEST_IN_PROGRESS', async () => {
    const orders = await payableOrders(ORDERS);
    await Promise.all(
      orders.map(async (order, i) => {
        const idempotencyKey = randomUUID();
        const answers = await Promise.all([0, 1].map((j) => api(i + j).createPayment(order.customer, { orderId: order.orderId }, { idempotencyKey })));
        const bodies = await Promise.all(answers.map(async (answer) => [answer.status, await answer.json()] as const));
        // The second either waited for the first's answer (replayed) or found it in flight (409 REQUEST_IN_PROGRESS): never a second payment.
        const created = bodies.filter(([status]) => status === 201);
        expect(created.length).toBeGreaterThanOrEqual(1);
        for (const [status, body] of bodies) if (status !== 201) expect(body).toMatchObject({ status: 409, code: 'REQUEST_IN_PROGRESS' });
        expect(new Set(created.map(([, body]) => (body as { paymentId: string }).paymentId)).size).toBe(1);
        expect(await statusesOf(order.orderId)).toEqual(['PENDING']);
      }),
    );
  });

  it('a success callback racing the reconciliation job that finds the same success at the provider: SUCCEEDED, payment.succeeded.v1 once, whichever wins', async () => {
    const won = { callback: 0, job: 0 };
    // Rounds of 20 payments, more (at most MAX_ROUNDS) until each side has won at least once: which one does is the race's.
    for (let round = 1; round <= 2 || (round <= MAX_ROUNDS && (won.callback === 0 || won.job === 0)); round++) {
      const orders = await payableOrders(ORDERS);
      const payments = await Promise.all(orders.map(async (order, i) => ({ ...order, payment: await api(i).pay(order.customer, order.orderId) })));
      await Promise.all(
        payments.map(async ({ customer, payment }, i) => {
          // Settled at the provider silently: from now on the job may find it any moment. Each callback is sent a little
          // later than the one before, so that some beat the job to the payment's row and some come after it.
          await api(i).simulate(customer, payment.paymentId, { outcome: 'success', callback: 'withhold' });
          const body = await callbackOf(payment);
          await new Promise((resolve) => setTimeout(resolve, i * 5 * round));
          const answer = await api(i + 1).receivePaymentCallback(body, signatureOf(body));
          expect({ paymentId: payment.paymentId, status: answer.status }).toEqual({ paymentId: payment.paymentId, status: 200 });
        }),
      );
      for (const { customer, payment } of payments) {
        expect(await api(0).payment(customer, payment.paymentId)).toMatchObject({ status: 'SUCCEEDED' });
        expect({ paymentId: payment.paymentId, events: await eventTypesOf(payment.paymentId) }).toEqual({
          paymentId: payment.paymentId,
          events: ['payment.succeeded.v1'],
        });
        // The callback's own outcome says who was first: applied by it, or found settled by the job already.
        const outcomes = logs.flatMap((log) => log.lines.filter((line) => line['paymentId'] === payment.paymentId && line['outcome'] !== undefined));
        expect(outcomes.map((line) => line['outcome'])).toHaveLength(1);
        if (outcomes[0]!['outcome'] === 'succeeded') won.callback++;
        else won.job++;
      }
    }
    expect(won.callback).toBeGreaterThan(0);
    expect(won.job).toBeGreaterThan(0);
  });

  it('a burst of the same callback at both instances: every one 200, payment.succeeded.v1 once', async () => {
    const orders = await payableOrders(5);
    for (const [i, order] of orders.entries()) {
      const payment = await api(i).pay(order.customer, order.orderId);
      const body = await callbackOf(payment);
      const signature = signatureOf(body);
      const answers = await Promise.all(Array.from({ length: 16 }, (_, j) => api(j).receivePaymentCallback(body, signature)));
      expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 16 }, () => 200));
      expect(await eventTypesOf(payment.paymentId)).toEqual(['payment.succeeded.v1']);
    }
  });

  it('the jobs on both instances at once never settle a payment twice (each payment of the races above: one settlement event)', async () => {
    // Let the reconciliation run a few more times on both instances, then look at every payment of this database.
    const runs = async () =>
      Number(
        (await home.query<{ n: string }>(`SELECT COALESCE(MAX(last_success_at), 0) AS n FROM scheduled_job WHERE name = 'payment.reconcile-pending'`))[0]!.n,
      );
    const from = await runs();
    await waitFor(async () => (await runs()) > from + 200, { what: 'further reconciliation runs' });
    const twice = await home.query(
      `SELECT aggregate_id, COUNT(*) AS n FROM outbox WHERE type IN ('payment.succeeded.v1', 'payment.failed.v1') GROUP BY aggregate_id HAVING COUNT(*) > 1`,
    );
    expect(twice).toEqual([]);
  });
});
