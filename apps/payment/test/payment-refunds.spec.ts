import { PaymentRefundedV1 } from '@shop/contracts';
import type { JobRun } from '@shop/scheduler';
import { newId } from '@shop/shared-kernel';
import { Cleanups, capturingLogger, waitFor, type CapturingLogger } from '@shop/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { RetryRefundsJob } from '../src/infrastructure/scheduling/retry-refunds.job.js';
import { PaymentServiceHome, SETUPS, aCustomer, orderAwaitingPayment, refundRequested, testPaymentConfig } from './support/payment-service-harness.js';
import { KINDS, openPaymentDatabase, outboxRows, paymentApplication, type PaymentApplication } from './support/payment-test-database.js';

const AMOUNT = 8_000;
const SECOND = 1_000;
const BACKOFF_MAX_MS = 10 * 60 * SECOND;

describe.each(KINDS)('refunds and their retries on %s', (kind) => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  let app: PaymentApplication;
  let job: RetryRefundsJob;
  let log: CapturingLogger;
  const p = (n: number) => (kind === 'postgres' ? `$${n}` : '?');

  async function setUp(options: { providerTimeoutMs?: number } = {}) {
    const database = await openPaymentDatabase(kind, cleanups);
    log = capturingLogger({ service: 'payment' });
    const rules = options.providerTimeoutMs === undefined ? {} : { providerTimeoutMs: options.providerTimeoutMs };
    app = paymentApplication(database.transactions, cleanups, { logger: log.logger, rules });
    job = new RetryRefundsJob(app.retryDueRefunds, log.logger, testPaymentConfig());
    return { database };
  }

  const jobRun = (batchSize = 50): JobRun => ({ batchSize, signal: new AbortController().signal, transaction: (work) => app.transactions.run(work) });

  /** A payment of AMOUNT that SUCCEEDED at the sandbox (settled there, applied by reconciliation's rule: no callback involved), refunds answered as told. */
  async function succeeded(refunds: 'accept' | 'refuse' = 'accept') {
    const orderId = newId();
    const userId = newId();
    await app.openPayment.execute({ orderId, userId, payable: AMOUNT, paymentDueAt: new Date(app.clock.now().getTime() + 15 * 60 * SECOND) });
    const { paymentId } = await app.createPayment.execute({ orderId, userId });
    await app.simulate.execute({ userId, paymentId, outcome: 'success', callback: 'withhold', refunds });
    app.clock.advance(app.rules.reconcileAfterMs + 1);
    const { succeeded: settled } = await app.reconcile.execute({ limit: 10 });
    expect(settled).toBe(1);
    return { paymentId, orderId, userId };
  }

  /** The order asks for the money back (order.refund-requested.v1); resolves once its first try after the commit settled. */
  async function refundRequested(payment: { paymentId: string; orderId: string }, reason = 'CUSTOMER_REQUEST') {
    const result = await app.requestRefund.execute({ orderId: payment.orderId, paymentId: payment.paymentId, amount: AMOUNT, reason });
    await app.requestRefund.settled();
    return result;
  }

  const snapshotOf = async (paymentId: string) => (await app.payments.find(paymentId))!.toSnapshot();
  const refundedEvents = async () => (await outboxRows(app.transactions)).filter((row) => row.type === 'payment.refunded.v1').map((row) => row.aggregateId);

  it('refunds at once when the provider accepts: REFUNDED, payment.refunded.v1 once; the same request again changes nothing', async () => {
    await setUp();
    const payment = await succeeded();
    expect(await refundRequested(payment, 'LATE_PAYMENT')).toEqual({ outcome: 'requested' });
    expect(await snapshotOf(payment.paymentId)).toMatchObject({ status: 'REFUNDED', refund: { reason: 'LATE_PAYMENT', attempts: 0, nextAttemptAt: null } });
    expect(await refundRequested(payment, 'LATE_PAYMENT')).toEqual({ outcome: 'duplicate' });
    expect(await refundedEvents()).toEqual([payment.paymentId]);
    // Nothing left for the job.
    expect(await job.run(jobRun())).toBe(0);
  });

  it('retries a refused refund with backoff (5 s, 10 s, 20 s, … capped at PAYMENT_REFUND_BACKOFF_MAX), visible to admins, until the provider gives the money back', async () => {
    await setUp();
    const payment = await succeeded('refuse');
    await refundRequested(payment);
    const first = await snapshotOf(payment.paymentId);
    expect(first).toMatchObject({ status: 'REFUNDING', refund: { attempts: 1, lastError: expect.stringContaining('refuses refunds') } });
    expect(first.refund!.nextAttemptAt!.getTime() - app.clock.now().getTime()).toBe(5 * SECOND);

    // Not due yet: nothing tried.
    expect(await job.run(jobRun())).toBe(0);

    // Each run when due: one more refused try, the wait doubling up to the cap.
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) {
      const due = (await snapshotOf(payment.paymentId)).refund!.nextAttemptAt!;
      app.clock.set(due);
      expect(await job.run(jobRun())).toBe(1);
      waits.push((await snapshotOf(payment.paymentId)).refund!.nextAttemptAt!.getTime() - due.getTime());
    }
    expect(waits).toEqual([10, 20, 40, 80, 160, 320, 600, 600, 600, 600].map((s) => s * SECOND));
    expect(Math.max(...waits)).toBe(BACKOFF_MAX_MS);
    expect(log.messages('warn')).toContainEqual(expect.stringContaining('refused or failed at the provider'));

    const [listed] = (await app.queries.listForAdmin({ status: 'REFUNDING', cursor: null, limit: 50 })).items;
    expect(listed).toMatchObject({ paymentId: payment.paymentId, refund: { attempts: 11, lastError: expect.stringContaining('refuses refunds') } });

    // The provider accepts now (told so in the sandbox, without a callback): the next due try refunds.
    await app.simulate.execute({ userId: payment.userId, paymentId: payment.paymentId, outcome: 'success', callback: 'withhold', refunds: 'accept' });
    app.clock.set((await snapshotOf(payment.paymentId)).refund!.nextAttemptAt!);
    expect(await job.run(jobRun())).toBe(1);
    expect(await snapshotOf(payment.paymentId)).toMatchObject({ status: 'REFUNDED', refund: { attempts: 11, nextAttemptAt: null } });
    expect(await refundedEvents()).toEqual([payment.paymentId]);
    expect(log.messages('info')).toContainEqual(expect.stringContaining('refunds given back'));
    expect(await job.run(jobRun())).toBe(0);
  });

  it('lets an admin make a refund due now: the next run tries it without waiting out its backoff', async () => {
    await setUp();
    const payment = await succeeded('refuse');
    await refundRequested(payment);
    await app.simulate.execute({ userId: payment.userId, paymentId: payment.paymentId, outcome: 'success', callback: 'withhold', refunds: 'accept' });
    expect(await job.run(jobRun())).toBe(0);
    const view = await app.retryRefundNow.execute({ paymentId: payment.paymentId });
    expect(view.refund?.nextAttemptAt).toBe(app.clock.now().toISOString());
    expect(await job.run(jobRun())).toBe(1);
    expect((await snapshotOf(payment.paymentId)).status).toBe('REFUNDED');
  });

  it('counts a provider that fails (throws) as a refused try, retried with backoff', async () => {
    await setUp();
    const payment = await succeeded();
    const refundPayment = app.sandbox.refundPayment.bind(app.sandbox);
    let down = true;
    app.sandbox.refundPayment = (refund) => (down ? Promise.reject(new Error('ECONNRESET')) : refundPayment(refund));
    await refundRequested(payment);
    expect(await snapshotOf(payment.paymentId)).toMatchObject({
      status: 'REFUNDING',
      refund: { attempts: 1, lastError: expect.stringContaining('ECONNRESET') },
    });
    down = false;
    app.clock.advance(5 * SECOND);
    expect(await job.run(jobRun())).toBe(1);
    expect((await snapshotOf(payment.paymentId)).status).toBe('REFUNDED');
    expect(await refundedEvents()).toEqual([payment.paymentId]);
  });

  it('counts a refund the provider does not answer within PAYMENT_PROVIDER_TIMEOUT as a failed try, put off and made later with the same refund id', async () => {
    await setUp({ providerTimeoutMs: 100 });
    const payment = await succeeded();
    const refundPayment = app.sandbox.refundPayment.bind(app.sandbox);
    const asked: Array<{ refundId: string; signal: AbortSignal | undefined }> = [];
    let hanging = true;
    app.sandbox.refundPayment = (refund, options) => {
      asked.push({ refundId: refund.refundId, signal: options?.signal });
      return hanging ? new Promise(() => undefined) : refundPayment(refund, options);
    };
    await refundRequested(payment);
    expect(asked[0]?.signal?.aborted).toBe(true);
    expect(await snapshotOf(payment.paymentId)).toMatchObject({
      status: 'REFUNDING',
      refund: { attempts: 1, lastError: expect.stringContaining('100 ms'), nextAttemptAt: expect.any(Date) },
    });
    hanging = false;
    app.clock.advance(5 * SECOND);
    expect(await job.run(jobRun())).toBe(1);
    expect((await snapshotOf(payment.paymentId)).status).toBe('REFUNDED');
    expect(new Set(asked.map((call) => call.refundId)).size).toBe(1);
    expect(await refundedEvents()).toEqual([payment.paymentId]);
  });

  it('asks the provider with the same refund id on every try: a refund it made but whose answer was lost is not made twice', async () => {
    const { database } = await setUp();
    const payment = await succeeded();
    // The provider refunds, then the answer is lost on the way back.
    const refundPayment = app.sandbox.refundPayment.bind(app.sandbox);
    const refundIds: string[] = [];
    let loseAnswer = true;
    app.sandbox.refundPayment = async (refund) => {
      refundIds.push(refund.refundId);
      const answer = await refundPayment(refund);
      if (loseAnswer) {
        loseAnswer = false;
        throw new Error('socket hang up');
      }
      return answer;
    };
    await refundRequested(payment);
    expect((await snapshotOf(payment.paymentId)).status).toBe('REFUNDING');
    app.clock.advance(5 * SECOND);
    expect(await job.run(jobRun())).toBe(1);
    expect((await snapshotOf(payment.paymentId)).status).toBe('REFUNDED');
    expect(new Set(refundIds).size).toBe(1);
    expect(refundIds).toHaveLength(2);
    const [charge] = await database.query<{ refund_id: string }>(`SELECT refund_id FROM payment_sandbox_charge WHERE payment_id = ${p(1)}`, [
      payment.paymentId,
    ]);
    expect(charge!.refund_id).toBe(refundIds[0]);
  });

  it('keeps a refund the provider will never make visible and retried (refunded already under another refund id at the provider)', async () => {
    const { database } = await setUp();
    const payment = await succeeded('refuse');
    await refundRequested(payment);
    // Someone refunded the charge by hand at the provider under another reference.
    await database.query(`UPDATE payment_sandbox_charge SET refund_id = ${p(1)}, refunded_at = 1, refunds = 'ACCEPT' WHERE payment_id = ${p(2)}`, [
      newId(),
      payment.paymentId,
    ]);
    app.clock.advance(5 * SECOND);
    expect(await job.run(jobRun())).toBe(1);
    expect(await snapshotOf(payment.paymentId)).toMatchObject({
      status: 'REFUNDING',
      refund: { attempts: 2, lastError: expect.stringContaining('refunded already') },
    });
    expect(await refundedEvents()).toEqual([]);
  });

  it('tries at most a batch per run, the most overdue first; a full batch tried runs again, the refused ones put off', async () => {
    await setUp();
    const payments = [await succeeded('refuse'), await succeeded('refuse'), await succeeded('refuse')];
    for (const payment of payments) {
      await refundRequested(payment);
      app.clock.advance(1);
    }
    app.clock.advance(5 * SECOND);
    expect(await job.run(jobRun(2))).toBe(2);
    const attempts = async () => Promise.all(payments.map(async (payment) => (await snapshotOf(payment.paymentId)).refund!.attempts));
    expect(await attempts()).toEqual([2, 2, 1]);
    expect(await job.run(jobRun(2))).toBe(1);
    expect(await attempts()).toEqual([2, 2, 2]);
    expect(await job.run(jobRun(2))).toBe(0);
  });

  it('stops between refunds once the run is aborted (its deadline, or the service stopping): none is tried, each stays due', async () => {
    await setUp();
    const payment = await succeeded('refuse');
    await refundRequested(payment);
    await app.simulate.execute({ userId: payment.userId, paymentId: payment.paymentId, outcome: 'success', callback: 'withhold', refunds: 'accept' });
    app.clock.advance(5 * SECOND);
    const aborted = new AbortController();
    aborted.abort();
    expect(await job.run({ ...jobRun(), signal: aborted.signal })).toBe(0);
    expect(await snapshotOf(payment.paymentId)).toMatchObject({ status: 'REFUNDING', refund: { attempts: 1 } });
    expect(await job.run(jobRun())).toBe(1);
  });
});

describe.each(SETUPS)('refunds in the running service (%s)', (setup) => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  it('refunds on order.refund-requested.v1 once the provider accepts, an admin seeing it REFUNDING until then, and publishes payment.refunded.v1 once', async () => {
    const home = await PaymentServiceHome.create(setup, cleanups);
    const service = await home.start(testPaymentConfig({ PAYMENT_REFUND_RETRY_INTERVAL: '50ms' }));
    const events = await home.listen<PaymentRefundedV1>([PaymentRefundedV1.type]);
    const awaiting = orderAwaitingPayment({ payable: AMOUNT });
    await home.deliver(awaiting);
    const customer = aCustomer(awaiting.payload.userId);
    const payment = await service.api.pay(customer, awaiting.payload.orderId);
    await service.api.simulate(customer, payment.paymentId, { outcome: 'success', refunds: 'refuse' });
    await waitFor(async () => (await service.api.payment(customer, payment.paymentId)).status === 'SUCCEEDED', { what: 'the payment settled' });

    await home.deliverTwice(refundRequested({ ...payment, userId: customer.userId }, 'CUSTOMER_REQUEST'));
    // Its first try (after the consumer's commit) refused: REFUNDING, as admins see it.
    const refunding = await waitFor(async () => (await service.api.adminPayments('?status=REFUNDING')).find((item) => (item.refund?.attempts ?? 0) >= 1), {
      what: 'a refused try shown to admins',
    });
    expect(refunding).toMatchObject({
      paymentId: payment.paymentId,
      refund: { reason: 'CUSTOMER_REQUEST', lastError: expect.stringContaining('refuses'), refundedAt: null },
    });

    // The provider takes refunds again; an admin makes it due now.
    await service.api.simulate(customer, payment.paymentId, { outcome: 'success', callback: 'withhold', refunds: 'accept' });
    const retried = await service.api.retryRefund(payment.paymentId);
    expect([200, 409]).toContain(retried.status);
    await waitFor(async () => (await service.api.payment(customer, payment.paymentId)).status === 'REFUNDED', { what: 'the refund given back' });
    const published = await waitFor(() => events.seen[0], { what: 'payment.refunded.v1 published' });
    expect(published.payload).toMatchObject({ paymentId: payment.paymentId, orderId: awaiting.payload.orderId, amount: AMOUNT });
    expect((await home.outboxTypes()).filter((type) => type === PaymentRefundedV1.type)).toHaveLength(1);
  });
});
