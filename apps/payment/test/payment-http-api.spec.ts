// The payment service as the gateway sees it: started on a free port, called over HTTP with the gateway's
// internal token (a customer, an admin, or nobody), on PostgreSQL + RabbitMQ and on SQLite + the in-memory
// transport. Orders become payable as the order context would make them (its events, published by the
// test); the sandbox provider settles payments and calls back in-process. Every route's answers, every
// refusal, and bad input that stores nothing.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { AdminPaymentView, PaymentView, SandboxSimulation, type PaymentStatus } from '@shop/contracts';
import type { Identity } from '@shop/http';
import { sleep } from '@shop/shared-kernel';
import { Cleanups, assertMatchesSchema, capturingLogger, expectNothingStored, expectProblem, json, waitFor } from '@shop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SETUPS,
  PaymentServiceHome,
  aCustomer,
  orderAwaitingPayment,
  orderCancelled,
  orderPaid,
  problemOf,
  queryOf,
  refundRequested,
  testPaymentConfig,
  type PaymentApi,
} from './support/payment-service-harness.js';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The tables a payment route writes to: a refused request leaves every count as it was. */
const PAYMENT_TABLES = ['payment', 'payment_payable_order', 'payment_sandbox_charge', 'outbox', 'idempotency_key'] as const;

/** An order the payment context has heard awaits payment: its customer, id and payable amount. */
interface PayableOrder {
  readonly customer: Identity;
  readonly orderId: string;
  readonly payable: number;
}

describe.each(SETUPS)('the payment service’s HTTP API on %s', (setup) => {
  const cleanups = new Cleanups();
  let home: PaymentServiceHome;
  let api: PaymentApi;
  // The service's own log lines: when the sandbox has delivered a callback is only said there.
  const log = capturingLogger({ service: 'payment', level: 'debug' });

  beforeAll(async () => {
    home = await PaymentServiceHome.create(setup, cleanups);
    // Reconciliation and the refund retries far away: a PENDING payment, or a refused refund, waits on
    // purpose here; the jobs are not under test. An order not heard of is waited for 2 s here (the default is 1 s) before 404.
    const config = testPaymentConfig({
      PAYMENT_RECONCILE_AFTER: '24h',
      PAYMENT_PENDING_TIMEOUT: '168h',
      PAYMENT_REFUND_RETRY_INTERVAL: '1h',
      PAYMENT_ORDER_ARRIVAL_WAIT: '2s',
    });
    ({ api } = await home.start(config, { logger: log.logger }));
  });
  afterAll(() => cleanups.run());

  // ---------------------------------------------------------------- helpers

  /** An order of a fresh customer (or `customer`) that the order context said awaits payment of `payable`. */
  async function aPayableOrder(options: { customer?: Identity; payable?: number; paymentDueAt?: Date } = {}): Promise<PayableOrder> {
    const customer = options.customer ?? aCustomer();
    const awaiting = orderAwaitingPayment({ userId: customer.userId, payable: options.payable ?? 8_000, paymentDueAt: options.paymentDueAt });
    await home.deliver(awaiting);
    return { customer, orderId: awaiting.payload.orderId, payable: awaiting.payload.payable };
  }

  /** The payment once its status is no longer `from` (the sandbox's callback follows the simulate answer). */
  async function settled(customer: Identity, paymentId: string, from: PaymentStatus = 'PENDING'): Promise<PaymentView> {
    return waitFor(
      async () => {
        const payment = await api.payment(customer, paymentId);
        return payment.status === from ? undefined : payment;
      },
      { what: `payment ${paymentId} no longer ${from}` },
    );
  }

  /** The events the service wrote for one payment, oldest first: type and payload. */
  async function eventsOf(paymentId: string): Promise<Array<{ type: string; payload: Record<string, unknown> }>> {
    const rows = await home.query<{ type: string; payload: string | Record<string, unknown> }>(
      `SELECT type, payload FROM outbox WHERE aggregate_id = ${home.param(1)} ORDER BY seq`,
      [paymentId],
    );
    return rows.map((row) => ({
      type: row.type,
      payload: typeof row.payload === 'string' ? (JSON.parse(row.payload) as Record<string, unknown>) : row.payload,
    }));
  }

  async function paymentsOf(orderId: string): Promise<Array<{ status: string }>> {
    return home.query<{ status: string }>(`SELECT status FROM payment WHERE order_id = ${home.param(1)} ORDER BY created_at`, [orderId]);
  }

  // ---------------------------------------------------------------- POST /payments, GET /payments/{id}

  describe('paying for an order', () => {
    it('POST /payments answers 201 with a PENDING payment of the order’s payable amount, in CNY, at the sandbox; GET answers the same', async () => {
      const order = await aPayableOrder({ payable: 12_345 });
      const response = await api.createPayment(order.customer, { orderId: order.orderId });
      const payment = await json<PaymentView>(response, 201);
      expect(payment).toEqual({
        paymentId: expect.stringMatching(UUID),
        orderId: order.orderId,
        amount: 12_345,
        currency: 'CNY',
        status: 'PENDING',
        provider: 'sandbox',
        createdAt: expect.stringMatching(ISO_INSTANT),
        settledAt: null,
        failureReason: null,
        refund: null,
      });
      assertMatchesSchema(PaymentView, payment);
      const read = await api.getPayment(order.customer, payment.paymentId);
      expect(read.headers.get('cache-control')).toBe('no-store');
      expect(await json<PaymentView>(read)).toEqual(payment);
      // The order named in upper case is the same order: its payment is in progress.
      await expectProblem(await api.createPayment(order.customer, { orderId: order.orderId.toUpperCase() }), 409, 'PAYMENT_IN_PROGRESS');
      expect(await api.payment(order.customer, payment.paymentId.toUpperCase())).toEqual(payment);
    });

    it('an order never heard of (once PAYMENT_ORDER_ARRIVAL_WAIT is up), or someone else’s, is 404 ORDER_NOT_FOUND, the same answer, nothing stored', async () => {
      const order = await aPayableOrder();
      await expectNothingStored(home, PAYMENT_TABLES, async () => {
        await expectProblem(await api.createPayment(order.customer, { orderId: randomUUID() }), 404, 'ORDER_NOT_FOUND');
        await expectProblem(await api.createPayment(aCustomer(), { orderId: order.orderId }), 404, 'ORDER_NOT_FOUND');
      });
    });

    it('an order whose awaiting arrives while POST /payments waits for it (PAYMENT_ORDER_ARRIVAL_WAIT, set to 2 s here; the default is 1 s): 201, no retry needed', async () => {
      // The customer's front-end saw the order AWAITING_PAYMENT at the order service before its event got here.
      const customer = aCustomer();
      const awaiting = orderAwaitingPayment({ userId: customer.userId, payable: 8_000 });
      const paying = api.createPayment(customer, { orderId: awaiting.payload.orderId });
      await sleep(100);
      await home.deliver(awaiting);
      expect(await json<PaymentView>(await paying, 201)).toMatchObject({ orderId: awaiting.payload.orderId, amount: 8_000, status: 'PENDING' });
    });

    it('one live payment per order: a second while the first is PENDING is 409 PAYMENT_IN_PROGRESS, nothing stored', async () => {
      const order = await aPayableOrder();
      await api.pay(order.customer, order.orderId);
      await expectNothingStored(home, PAYMENT_TABLES, async () => {
        await expectProblem(await api.createPayment(order.customer, { orderId: order.orderId }), 409, 'PAYMENT_IN_PROGRESS');
      });
      expect(await paymentsOf(order.orderId)).toEqual([{ status: 'PENDING' }]);
    });

    it.each<[string, (order: PayableOrder) => Promise<void>]>([
      ['cancelled', (order) => home.deliver(orderCancelled(order.orderId, order.customer.userId, 'CUSTOMER_CANCELLED'))],
      ['paid (by another attempt the order context kept)', (order) => home.deliver(orderPaid(order.orderId, order.customer.userId, order.payable))],
    ])('an order %s is 409 NOT_PAYABLE, nothing stored', async (_case, close) => {
      const order = await aPayableOrder();
      await close(order);
      await expectNothingStored(home, PAYMENT_TABLES, async () => {
        await expectProblem(await api.createPayment(order.customer, { orderId: order.orderId }), 409, 'NOT_PAYABLE');
      });
    });

    it('an order past its payment deadline is 409 NOT_PAYABLE, even before the order context cancels it', async () => {
      const order = await aPayableOrder({ paymentDueAt: new Date(Date.now() - 1_000) });
      await expectNothingStored(home, PAYMENT_TABLES, async () => {
        await expectProblem(await api.createPayment(order.customer, { orderId: order.orderId }), 409, 'NOT_PAYABLE');
      });
    });

    it('a paid order is 409 NOT_PAYABLE; after a FAILED payment a new attempt starts (201) and can succeed', async () => {
      const order = await aPayableOrder();
      const first = await api.pay(order.customer, order.orderId);
      expect(await api.simulate(order.customer, first.paymentId, { outcome: 'failure' })).toEqual({
        paymentId: first.paymentId,
        outcome: 'failure',
        callback: 'send',
        refunds: 'accept',
      });
      expect(await settled(order.customer, first.paymentId)).toMatchObject({
        status: 'FAILED',
        failureReason: 'DECLINED',
        settledAt: expect.stringMatching(ISO_INSTANT),
      });

      const second = await api.pay(order.customer, order.orderId);
      expect(second.paymentId).not.toBe(first.paymentId);
      await api.simulate(order.customer, second.paymentId, { outcome: 'success' });
      expect(await settled(order.customer, second.paymentId)).toMatchObject({ status: 'SUCCEEDED', failureReason: null });

      await expectNothingStored(home, PAYMENT_TABLES, async () => {
        await expectProblem(await api.createPayment(order.customer, { orderId: order.orderId }), 409, 'NOT_PAYABLE');
      });
      expect((await eventsOf(first.paymentId)).map((event) => event.type)).toEqual(['payment.failed.v1']);
      expect(await eventsOf(second.paymentId)).toEqual([
        {
          type: 'payment.succeeded.v1',
          payload: {
            paymentId: second.paymentId,
            orderId: order.orderId,
            userId: order.customer.userId,
            amount: order.payable,
            succeededAt: expect.any(String),
          },
        },
      ]);
    });

    it('an order with nothing to pay is paid at once by one payment of 0 through no provider, its awaiting heard twice or not: POST /payments is 409 NOT_PAYABLE', async () => {
      const customer = aCustomer();
      const awaiting = orderAwaitingPayment({ userId: customer.userId, payable: 0 });
      // The same message again (the inbox drops it) and a copy under an id of its own (the use case sees the repeat).
      await home.deliverTwice(awaiting);
      const order = { customer, orderId: awaiting.payload.orderId };
      const payments = await home.query<{ payment_id: string; status: string; provider: string; amount: string | number }>(
        `SELECT payment_id, status, provider, amount FROM payment WHERE order_id = ${home.param(1)}`,
        [order.orderId],
      );
      expect(payments).toHaveLength(1);
      const [payment] = payments;
      expect({ ...payment, amount: Number(payment!.amount) }).toEqual({
        payment_id: expect.stringMatching(UUID),
        status: 'SUCCEEDED',
        provider: 'none',
        amount: 0,
      });
      expect((await eventsOf(payment!.payment_id)).map((event) => event.type)).toEqual(['payment.succeeded.v1']);
      await expectProblem(await api.createPayment(order.customer, { orderId: order.orderId }), 409, 'NOT_PAYABLE');
    });

    it('the provider down: 201 with the attempt FAILED (PROVIDER_ERROR, payment.failed.v1), never a 5xx; the same key replays it, a new key starts a new attempt', async () => {
      const order = await aPayableOrder();
      const idempotencyKey = randomUUID();
      // The sandbox keeps its charges in a table of its own: without it, it fails as a provider that cannot be reached.
      await home.query(`ALTER TABLE payment_sandbox_charge RENAME TO payment_sandbox_charge_away`);
      let down: Response;
      try {
        down = await api.createPayment(order.customer, { orderId: order.orderId }, { idempotencyKey });
      } finally {
        await home.query(`ALTER TABLE payment_sandbox_charge_away RENAME TO payment_sandbox_charge`);
      }
      // As a provider answers a charge that failed: the attempt exists and failed (no Retry-After: nothing to retry as it is).
      expect(down.headers.get('retry-after')).toBeNull();
      const failed = await json<PaymentView>(down, 201);
      assertMatchesSchema(PaymentView, failed);
      expect(failed).toMatchObject({
        orderId: order.orderId,
        status: 'FAILED',
        failureReason: 'PROVIDER_ERROR',
        settledAt: expect.stringMatching(ISO_INSTANT),
      });
      expect(await paymentsOf(order.orderId)).toEqual([{ status: 'FAILED' }]);
      expect(await eventsOf(failed.paymentId)).toEqual([
        {
          type: 'payment.failed.v1',
          payload: {
            paymentId: failed.paymentId,
            orderId: order.orderId,
            userId: order.customer.userId,
            amount: order.payable,
            reason: 'PROVIDER_ERROR',
            failedAt: expect.any(String),
          },
        },
      ]);
      expect(await api.payment(order.customer, failed.paymentId)).toEqual(failed);

      // Kept with the key: the same key answers the same FAILED attempt, starting nothing.
      await expectNothingStored(home, PAYMENT_TABLES, async () => {
        const replayed = await api.createPayment(order.customer, { orderId: order.orderId }, { idempotencyKey });
        expect(replayed.headers.get('idempotent-replayed')).toBe('true');
        expect(await json<PaymentView>(replayed, 201)).toEqual(failed);
      });
      // The customer starts a new attempt with a new key, and the order may be paid.
      const retried = await api.createPayment(order.customer, { orderId: order.orderId }, { idempotencyKey: randomUUID() });
      expect(await json<PaymentView>(retried, 201)).toMatchObject({ status: 'PENDING', orderId: order.orderId });
      expect((await paymentsOf(order.orderId)).map((payment) => payment.status).sort()).toEqual(['FAILED', 'PENDING']);
    });

    // PostgreSQL only: another session holding the sandbox's table is how a provider that does not answer looks here.
    it.runIf(setup === 'postgres+amqp')(
      'the provider not answering within PAYMENT_PROVIDER_TIMEOUT: 201 with the attempt FAILED (PROVIDER_ERROR) once the timeout is up, never a 5xx',
      async () => {
        const impatient = await home.start(
          testPaymentConfig({ PAYMENT_RECONCILE_AFTER: '24h', PAYMENT_PENDING_TIMEOUT: '168h', PAYMENT_PROVIDER_TIMEOUT: '300ms' }),
        );
        const order = await aPayableOrder();
        const holder = new pg.Client({ connectionString: home.database.databaseUrl });
        await holder.connect();
        let answer: Response;
        try {
          await holder.query('BEGIN');
          await holder.query('LOCK TABLE payment_sandbox_charge IN ACCESS EXCLUSIVE MODE');
          answer = await impatient.api.createPayment(order.customer, { orderId: order.orderId });
        } finally {
          await holder.query('ROLLBACK');
          await holder.end();
        }
        expect(await json<PaymentView>(answer, 201)).toMatchObject({ orderId: order.orderId, status: 'FAILED', failureReason: 'PROVIDER_ERROR' });
        const [row] = await home.query<{ failure_detail: string }>(`SELECT failure_detail FROM payment WHERE order_id = $1`, [order.orderId]);
        expect(row!.failure_detail).toMatch(/did not answer within 300 ms/);
      },
    );

    it('a payment FAILED when it was created, or paid with nothing to pay, is 409 ALREADY_SETTLED to simulate, as GET shows it (no sandbox charge behind it)', async () => {
      const order = await aPayableOrder();
      await home.query(`ALTER TABLE payment_sandbox_charge RENAME TO payment_sandbox_charge_away`);
      let failed: PaymentView;
      try {
        failed = await json<PaymentView>(await api.createPayment(order.customer, { orderId: order.orderId }), 201);
      } finally {
        await home.query(`ALTER TABLE payment_sandbox_charge_away RENAME TO payment_sandbox_charge`);
      }
      const customer = aCustomer();
      const free = orderAwaitingPayment({ userId: customer.userId, payable: 0 });
      await home.deliver(free);
      const [freePayment] = await home.query<{ payment_id: string }>(`SELECT payment_id FROM payment WHERE order_id = ${home.param(1)}`, [
        free.payload.orderId,
      ]);
      await expectNothingStored(home, PAYMENT_TABLES, async () => {
        for (const outcome of ['success', 'failure'])
          await expectProblem(await api.simulatePayment(order.customer, failed.paymentId, { outcome }), 409, 'ALREADY_SETTLED');
        await expectProblem(await api.simulatePayment(customer, freePayment!.payment_id, { outcome: 'success' }), 409, 'ALREADY_SETTLED');
      });
    });

    it('someone else’s payment, or one that does not exist, is 404 PAYMENT_NOT_FOUND to read and to simulate, the same answer', async () => {
      const order = await aPayableOrder();
      const payment = await api.pay(order.customer, order.orderId);
      const stranger = aCustomer();
      await expectNothingStored(home, PAYMENT_TABLES, async () => {
        await expectProblem(await api.getPayment(stranger, payment.paymentId), 404, 'PAYMENT_NOT_FOUND');
        await expectProblem(await api.getPayment(order.customer, randomUUID()), 404, 'PAYMENT_NOT_FOUND');
        await expectProblem(await api.simulatePayment(stranger, payment.paymentId, { outcome: 'success' }), 404, 'PAYMENT_NOT_FOUND');
        await expectProblem(await api.simulatePayment(order.customer, randomUUID(), { outcome: 'success' }), 404, 'PAYMENT_NOT_FOUND');
      });
      // The stranger's try settled nothing.
      expect((await api.payment(order.customer, payment.paymentId)).status).toBe('PENDING');
    });
  });

  // ---------------------------------------------------------------- Idempotency-Key

  describe('Idempotency-Key on POST /payments', () => {
    it('the same key and body again answers the first payment (Idempotent-Replayed), starting no second', async () => {
      const order = await aPayableOrder();
      const idempotencyKey = randomUUID();
      const first = await api.createPayment(order.customer, { orderId: order.orderId }, { idempotencyKey });
      const payment = await json<PaymentView>(first, 201);
      expect(first.headers.get('idempotent-replayed')).toBeNull();

      await expectNothingStored(home, PAYMENT_TABLES, async () => {
        const again = await api.createPayment(order.customer, { orderId: order.orderId }, { idempotencyKey });
        expect(again.headers.get('idempotent-replayed')).toBe('true');
        expect(await json<PaymentView>(again, 201)).toEqual(payment);
      });
      expect(await paymentsOf(order.orderId)).toHaveLength(1);
    });

    it('the same key with another body is 422 IDEMPOTENCY_KEY_REUSED, nothing stored; a refusal is replayed as it was', async () => {
      const order = await aPayableOrder();
      const other = await aPayableOrder({ customer: order.customer });
      const idempotencyKey = randomUUID();
      await api.pay(order.customer, order.orderId, { idempotencyKey });
      await expectNothingStored(home, PAYMENT_TABLES, async () => {
        await expectProblem(await api.createPayment(order.customer, { orderId: other.orderId }, { idempotencyKey }), 422, 'IDEMPOTENCY_KEY_REUSED');
      });
      expect(await paymentsOf(other.orderId)).toEqual([]);

      // A refusal by the use case is kept with its key: the same request again gets the same refusal.
      const refusedKey = randomUUID();
      const cancelled = await aPayableOrder({ customer: order.customer });
      await home.deliver(orderCancelled(cancelled.orderId, order.customer.userId, 'CUSTOMER_CANCELLED'));
      await expectProblem(await api.createPayment(order.customer, { orderId: cancelled.orderId }, { idempotencyKey: refusedKey }), 409, 'NOT_PAYABLE');
      const replayed = await api.createPayment(order.customer, { orderId: cancelled.orderId }, { idempotencyKey: refusedKey });
      expect(replayed.headers.get('idempotent-replayed')).toBe('true');
      await expectProblem(replayed, 409, 'NOT_PAYABLE');
    });

    it('ORDER_NOT_FOUND is not kept with the key (the order’s awaiting may not have arrived yet): the same key pays once it has', async () => {
      const customer = aCustomer();
      const awaiting = orderAwaitingPayment({ userId: customer.userId, payable: 8_000 });
      const idempotencyKey = randomUUID();
      await expectNothingStored(home, PAYMENT_TABLES, async () => {
        await expectProblem(await api.createPayment(customer, { orderId: awaiting.payload.orderId }, { idempotencyKey }), 404, 'ORDER_NOT_FOUND');
      });
      await home.deliver(awaiting);
      const paid = await api.createPayment(customer, { orderId: awaiting.payload.orderId }, { idempotencyKey });
      expect(paid.headers.get('idempotent-replayed')).toBeNull();
      expect(await json<PaymentView>(paid, 201)).toMatchObject({ status: 'PENDING', orderId: awaiting.payload.orderId });
    });

    it('PAYMENT_IN_PROGRESS is not kept with the key (the pending attempt settles): the same key starts the next attempt once it has failed', async () => {
      const order = await aPayableOrder();
      const first = await api.pay(order.customer, order.orderId);
      const idempotencyKey = randomUUID();
      await expectNothingStored(home, PAYMENT_TABLES, async () => {
        await expectProblem(await api.createPayment(order.customer, { orderId: order.orderId }, { idempotencyKey }), 409, 'PAYMENT_IN_PROGRESS');
      });
      await api.simulate(order.customer, first.paymentId, { outcome: 'failure' });
      await settled(order.customer, first.paymentId);
      const next = await api.createPayment(order.customer, { orderId: order.orderId }, { idempotencyKey });
      expect(next.headers.get('idempotent-replayed')).toBeNull();
      expect(await json<PaymentView>(next, 201)).toMatchObject({ status: 'PENDING', orderId: order.orderId });
    });

    it('a key is the signed-in customer’s own: another customer’s same key starts nothing of the first’s', async () => {
      const order = await aPayableOrder();
      const idempotencyKey = randomUUID();
      await api.pay(order.customer, order.orderId, { idempotencyKey });
      // Another customer, the same key and body: their own request (the order is not theirs), never the first answer.
      await expectProblem(await api.createPayment(aCustomer(), { orderId: order.orderId }, { idempotencyKey }), 404, 'ORDER_NOT_FOUND');
    });
  });

  // ---------------------------------------------------------------- the sandbox

  describe('POST /payments/{id}/simulate', () => {
    it('202 with what the sandbox was told; the callback follows and settles the payment once; the same outcome again only repeats it; the other is 409 ALREADY_SETTLED', async () => {
      const order = await aPayableOrder();
      const payment = await api.pay(order.customer, order.orderId);
      const response = await api.simulatePayment(order.customer, payment.paymentId, { outcome: 'success', refunds: 'refuse' });
      const simulation = await json<SandboxSimulation>(response, 202);
      expect(simulation).toEqual({ paymentId: payment.paymentId, outcome: 'success', callback: 'send', refunds: 'refuse' });
      assertMatchesSchema(SandboxSimulation, simulation);
      const succeeded = await settled(order.customer, payment.paymentId);
      expect(succeeded).toMatchObject({ status: 'SUCCEEDED', settledAt: expect.stringMatching(ISO_INSTANT) });

      expect(await api.simulate(order.customer, payment.paymentId, { outcome: 'success' })).toMatchObject({ outcome: 'success' });
      await expectProblem(await api.simulatePayment(order.customer, payment.paymentId, { outcome: 'failure' }), 409, 'ALREADY_SETTLED');
      // The repeated callback (sent after its answer) changed nothing: wait until the sandbox has delivered both, then look.
      const delivered = () => log.lines.filter((line) => line.msg.startsWith('sandbox: callback delivered') && line['paymentId'] === payment.paymentId);
      await waitFor(() => delivered().length === 2, { what: 'both callbacks delivered' });
      expect(await api.payment(order.customer, payment.paymentId)).toEqual(succeeded);
      expect((await eventsOf(payment.paymentId)).map((event) => event.type)).toEqual(['payment.succeeded.v1']);
    });

    it('with the callback withheld the provider settles silently: the payment stays PENDING here', async () => {
      const order = await aPayableOrder();
      const payment = await api.pay(order.customer, order.orderId);
      expect(await api.simulate(order.customer, payment.paymentId, { outcome: 'success', callback: 'withhold' })).toMatchObject({ callback: 'withhold' });
      const [charge] = await home.query<{ status: string }>(`SELECT status FROM payment_sandbox_charge WHERE payment_id = ${home.param(1)}`, [
        payment.paymentId,
      ]);
      expect(charge).toEqual({ status: 'SUCCEEDED' });
      expect((await api.payment(order.customer, payment.paymentId)).status).toBe('PENDING');
      expect(await eventsOf(payment.paymentId)).toEqual([]);
    });
  });

  // ---------------------------------------------------------------- admins

  describe('the admins’ routes', () => {
    it('are 403 FORBIDDEN for customers (list and retry), 401 without a signed-in user', async () => {
      const order = await aPayableOrder();
      const payment = await api.pay(order.customer, order.orderId);
      await expectNothingStored(home, PAYMENT_TABLES, async () => {
        await expectProblem(await api.listPaymentsForAdmin('', order.customer), 403, 'FORBIDDEN');
        await expectProblem(await api.retryRefund(payment.paymentId, order.customer), 403, 'FORBIDDEN');
        await expectProblem(await api.viaGateway('GET', '/admin/payments'), 401, 'UNAUTHENTICATED');
      });
    });

    it('list every payment newest first, whose it is besides, one status when asked, page by page with the filter kept in the Link', async () => {
      const order = await aPayableOrder();
      const failed = await api.pay(order.customer, order.orderId);
      await api.simulate(order.customer, failed.paymentId, { outcome: 'failure' });
      await settled(order.customer, failed.paymentId);
      const pending = await api.pay(order.customer, order.orderId);

      const page = await api.listPaymentsForAdmin(queryOf({ limit: 200 }));
      expect(page.headers.get('cache-control')).toBe('no-store');
      const all = await json<AdminPaymentView[]>(page);
      for (const item of all) assertMatchesSchema(AdminPaymentView, item);
      const ours = all.filter((item) => item.orderId === order.orderId);
      expect(ours.map((item) => [item.paymentId, item.status, item.userId])).toEqual([
        [pending.paymentId, 'PENDING', order.customer.userId],
        [failed.paymentId, 'FAILED', order.customer.userId],
      ]);
      const created = all.map((item) => Date.parse(item.createdAt));
      expect(created).toEqual([...created].sort((a, b) => b - a));

      // Two FAILED payments at least, one a page: the Link leads to FAILED ones only.
      const other = await aPayableOrder();
      const alsoFailed = await api.pay(other.customer, other.orderId);
      await api.simulate(other.customer, alsoFailed.paymentId, { outcome: 'failure' });
      await settled(other.customer, alsoFailed.paymentId);
      const first = await api.listPaymentsForAdmin(queryOf({ status: 'FAILED', limit: 1 }));
      expect((await json<AdminPaymentView[]>(first)).map((item) => item.status)).toEqual(['FAILED']);
      const link = first.headers.get('link');
      expect(link).toBe(`<?status=FAILED&cursor=${first.headers.get('next-cursor')}&limit=1>; rel="next"`);
      const [, target] = /^<([^>]*)>/.exec(link!)!;
      const next = await json<AdminPaymentView[]>(await api.listPaymentsForAdmin(target));
      expect(next.map((item) => item.status)).toEqual(['FAILED']);
    });

    it('retry-refund: 404 for no payment, 409 NO_REFUND_PENDING unless REFUNDING, 200 with the refund due now for a refused one', async () => {
      const order = await aPayableOrder();
      const payment = await api.pay(order.customer, order.orderId);
      await expectProblem(await api.retryRefund(randomUUID()), 404, 'PAYMENT_NOT_FOUND');
      await expectProblem(await api.retryRefund(payment.paymentId), 409, 'NO_REFUND_PENDING');

      await api.simulate(order.customer, payment.paymentId, { outcome: 'success', refunds: 'refuse' });
      await settled(order.customer, payment.paymentId);
      await home.deliver(refundRequested({ paymentId: payment.paymentId, orderId: order.orderId, userId: order.customer.userId, amount: order.payable }));
      // The first try right after the request is refused by the sandbox: counted, put off.
      const refunding = await waitFor(async () => {
        const seen = await api.payment(order.customer, payment.paymentId);
        return seen.status === 'REFUNDING' && seen.refund!.attempts >= 1 ? seen : undefined;
      });
      expect(refunding.refund).toMatchObject({ reason: 'CUSTOMER_REQUEST', lastError: expect.any(String), refundedAt: null });
      expect(Date.parse(refunding.refund!.nextAttemptAt!)).toBeGreaterThan(Date.now());

      const before = Date.now();
      const retried = await json<AdminPaymentView>(await api.retryRefund(payment.paymentId.toUpperCase()));
      assertMatchesSchema(AdminPaymentView, retried);
      expect(retried).toMatchObject({ paymentId: payment.paymentId, userId: order.customer.userId, status: 'REFUNDING' });
      expect(Date.parse(retried.refund!.nextAttemptAt!)).toBeLessThanOrEqual(Date.now());
      expect(Date.parse(retried.refund!.nextAttemptAt!)).toBeGreaterThanOrEqual(before - 1_000);
      const listed = await json<AdminPaymentView[]>(await api.listPaymentsForAdmin(queryOf({ status: 'REFUNDING', limit: 200 })));
      expect(listed.find((item) => item.paymentId === payment.paymentId)).toMatchObject({ refund: { attempts: retried.refund!.attempts } });
    });
  });

  // ---------------------------------------------------------------- bad input

  describe('bad input is 400 problem+json with a code, and stores nothing', () => {
    it.each<[string, (order: PayableOrder) => Promise<Response>, string, string[]]>([
      ['POST /payments without orderId', (o) => api.createPayment(o.customer, {}), 'VALIDATION_FAILED', ['orderId']],
      ['POST /payments with an orderId that is no UUID', (o) => api.createPayment(o.customer, { orderId: 'order-1' }), 'VALIDATION_FAILED', ['orderId']],
      ['POST /payments with an amount sent', (o) => api.createPayment(o.customer, { orderId: o.orderId, amount: 1 }), 'VALIDATION_FAILED', ['amount']],
      [
        'POST /payments with a body that is no JSON',
        (o) => api.viaGateway('POST', '/payments', { identity: o.customer, rawBody: '{"orderId":' }),
        'MALFORMED_JSON',
        [],
      ],
      ['GET /payments/{id} of no UUID', (o) => api.getPayment(o.customer, 'pay-1'), 'VALIDATION_FAILED', ['paymentId']],
      ['simulate with an outcome off the list', (o) => api.simulatePayment(o.customer, randomUUID(), { outcome: 'maybe' }), 'VALIDATION_FAILED', ['outcome']],
      [
        'simulate with an unknown field',
        (o) => api.simulatePayment(o.customer, randomUUID(), { outcome: 'success', amount: 1 }),
        'VALIDATION_FAILED',
        ['amount'],
      ],
      ['the admin list with a limit over 200', () => api.listPaymentsForAdmin(queryOf({ limit: 201 })), 'VALIDATION_FAILED', ['limit']],
      ['the admin list with a status off the list', () => api.listPaymentsForAdmin(queryOf({ status: 'LOST' })), 'VALIDATION_FAILED', ['status']],
      ['the admin list with a cursor it never gave', () => api.listPaymentsForAdmin(queryOf({ cursor: 'bm90LW91cnM' })), 'INVALID_CURSOR', []],
      ['retry-refund of no UUID', () => api.retryRefund('nope'), 'VALIDATION_FAILED', ['paymentId']],
    ])('%s', async (_case, call, code, fields) => {
      const order = await aPayableOrder();
      await expectNothingStored(home, PAYMENT_TABLES, async () => {
        const response = await call(order);
        const problem = await problemOf(response);
        expect([response.status, problem.code]).toEqual([400, code]);
        if (fields.length > 0) expect(problem.errors?.map((error) => error.field)).toEqual(fields);
      });
      expect(await paymentsOf(order.orderId)).toEqual([]);
    });

    it('a call that did not come through the gateway is 401 NOT_FROM_GATEWAY, the payment routes as the callback', async () => {
      const order = await aPayableOrder();
      await expectNothingStored(home, PAYMENT_TABLES, async () => {
        await expectProblem(await api.direct('POST', '/payments', { body: { orderId: order.orderId } }), 401, 'NOT_FROM_GATEWAY');
        await expectProblem(await api.direct('POST', '/payments/callback', { body: {} }), 401, 'NOT_FROM_GATEWAY');
      });
    });
  });
});
