import { PaymentSucceededV1 } from '@shop/contracts';
import type { JobRun } from '@shop/scheduler';
import { newId } from '@shop/shared-kernel';
import { Cleanups, capturingLogger, waitFor, type CapturingLogger } from '@shop/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { AlreadySettledError } from '../src/domain/payment.errors.js';
import { Payment } from '../src/domain/payment.js';
import { FIRST_RETRY_DELAY_MS, ReconcilePendingPaymentsJob } from '../src/infrastructure/scheduling/reconcile-pending-payments.job.js';
import { PaymentServiceHome, SETUPS, aCustomer, orderAwaitingPayment, testPaymentConfig } from './support/payment-service-harness.js';
import { KINDS, openPaymentDatabase, outboxRows, paymentApplication, type PaymentApplication } from './support/payment-test-database.js';

const AMOUNT = 8_000;
const MINUTE = 60_000;
/** The defaults: asked about after 2 min PENDING, cancelled after 20 min. */
const RECONCILE_AFTER_MS = 2 * MINUTE;
const PENDING_TIMEOUT_MS = 20 * MINUTE;

describe.each(KINDS)('reconciliation of PENDING payments on %s', (kind) => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  let app: PaymentApplication;
  let job: ReconcilePendingPaymentsJob;
  let log: CapturingLogger;

  async function setUp(options: { providerTimeoutMs?: number } = {}) {
    const database = await openPaymentDatabase(kind, cleanups);
    log = capturingLogger({ service: 'payment' });
    const rules = options.providerTimeoutMs === undefined ? {} : { providerTimeoutMs: options.providerTimeoutMs };
    app = paymentApplication(database.transactions, cleanups, { logger: log.logger, rules });
    job = new ReconcilePendingPaymentsJob(app.reconcile, log.logger, testPaymentConfig(), app.clock);
    return { database };
  }

  const jobRun = (batchSize = 50): JobRun => ({ batchSize, signal: new AbortController().signal, transaction: (work) => app.transactions.run(work) });

  /** An order awaiting payment and its payment started through the use cases (PENDING, its charge opened at the sandbox); the clock a millisecond on. */
  async function started(): Promise<{ paymentId: string; orderId: string; userId: string }> {
    const orderId = newId();
    const userId = newId();
    await app.openPayment.execute({ orderId, userId, payable: AMOUNT, paymentDueAt: new Date(app.clock.now().getTime() + 15 * MINUTE) });
    const { paymentId } = await app.createPayment.execute({ orderId, userId });
    app.clock.advance(1);
    return { paymentId, orderId, userId };
  }

  /** The customer settles it at the provider, and the provider never calls back. */
  const settledSilently = (payment: { paymentId: string; userId: string }, outcome: 'success' | 'failure') =>
    app.simulate.execute({ userId: payment.userId, paymentId: payment.paymentId, outcome, callback: 'withhold', refunds: 'accept' });

  const statusOf = async (paymentId: string) => (await app.payments.find(paymentId))?.toSnapshot();
  const events = async () => (await outboxRows(app.transactions)).map((row) => [row.type, row.aggregateId]);

  it('settles a success the provider kept quiet about, once it is PENDING past PAYMENT_RECONCILE_AFTER, and announces it once', async () => {
    await setUp();
    const payment = await started();
    await settledSilently(payment, 'success');

    // Not stuck yet: left alone.
    expect(await job.run(jobRun())).toBe(0);
    expect((await statusOf(payment.paymentId))?.status).toBe('PENDING');

    app.clock.advance(RECONCILE_AFTER_MS);
    expect(await job.run(jobRun())).toBe(1);
    expect(await statusOf(payment.paymentId)).toMatchObject({ status: 'SUCCEEDED', providerPaymentId: expect.stringMatching(/^sbx_/) });
    expect(await events()).toEqual([['payment.succeeded.v1', payment.paymentId]]);
    expect(log.messages('info')).toContainEqual(expect.stringContaining('the provider took the money'));

    // Settled: not listed any more; the callback arriving late after all is a duplicate.
    expect(await job.run(jobRun())).toBe(0);
    const outcomes: string[] = [];
    const execute = app.receiveCallback.execute.bind(app.receiveCallback);
    app.receiveCallback.execute = async (command) => {
      const result = await execute(command);
      outcomes.push(result.outcome);
      return result;
    };
    await app.simulate.execute({ userId: payment.userId, paymentId: payment.paymentId, outcome: 'success', callback: 'send', refunds: 'accept' });
    await waitFor(() => outcomes.length === 1, { what: 'the late callback handled' });
    expect(outcomes).toEqual(['duplicate']);
    expect(await events()).toEqual([['payment.succeeded.v1', payment.paymentId]]);
  });

  it('fails a payment the provider declined without calling back (DECLINED)', async () => {
    await setUp();
    const payment = await started();
    await settledSilently(payment, 'failure');
    app.clock.advance(RECONCILE_AFTER_MS);
    expect(await job.run(jobRun())).toBe(1);
    expect(await statusOf(payment.paymentId)).toMatchObject({ status: 'FAILED', failureReason: 'DECLINED' });
    expect(await events()).toEqual([['payment.failed.v1', payment.paymentId]]);
  });

  it('leaves a payment still PENDING at the provider until PAYMENT_PENDING_TIMEOUT (not counted: no spinning), then cancels it there: EXPIRED', async () => {
    await setUp();
    const payment = await started();
    app.clock.advance(RECONCILE_AFTER_MS);
    expect(await job.run(jobRun())).toBe(0);
    expect((await statusOf(payment.paymentId))?.status).toBe('PENDING');
    expect(await app.sandbox.queryPayment(payment.paymentId)).toMatchObject({ status: 'PENDING' });

    app.clock.advance(PENDING_TIMEOUT_MS - RECONCILE_AFTER_MS);
    expect(await job.run(jobRun())).toBe(1);
    expect(await statusOf(payment.paymentId)).toMatchObject({ status: 'FAILED', failureReason: 'EXPIRED' });
    expect(await events()).toEqual([['payment.failed.v1', payment.paymentId]]);
    // The customer can no longer pay it at the provider.
    await expect(app.sandbox.simulate(payment.paymentId, { outcome: 'success', callback: 'send', refunds: 'accept' })).rejects.toBeInstanceOf(
      AlreadySettledError,
    );
  });

  it('cancels at once a payment whose order was cancelled meanwhile (nobody will pay it now)', async () => {
    await setUp();
    const payment = await started();
    await app.closePayment.execute({ orderId: payment.orderId, userId: payment.userId, closedAs: 'CANCELLED' });
    app.clock.advance(RECONCILE_AFTER_MS);
    expect(await job.run(jobRun())).toBe(1);
    expect(await statusOf(payment.paymentId)).toMatchObject({ status: 'FAILED', failureReason: 'EXPIRED' });
  });

  it('cancels at once a payment the provider never heard of (its create never reached it): EXPIRED, and a create arriving late cannot open it', async () => {
    await setUp();
    // The PENDING payment committed, and the service stopped before it called the provider.
    const orderId = newId();
    const userId = newId();
    await app.openPayment.execute({ orderId, userId, payable: AMOUNT, paymentDueAt: new Date(app.clock.now().getTime() + 15 * MINUTE) });
    const lost = Payment.start({ id: newId(), orderId, userId, amount: AMOUNT, provider: 'sandbox', at: app.clock.now() });
    await app.transactions.run(() => app.payments.save(lost));
    app.clock.advance(RECONCILE_AFTER_MS + 1);
    expect(await job.run(jobRun())).toBe(1);
    expect(await statusOf(lost.id)).toMatchObject({ status: 'FAILED', failureReason: 'EXPIRED' });
    expect(await events()).toEqual([['payment.failed.v1', lost.id]]);
    expect(log.messages('info')).toContainEqual(expect.stringContaining('cancelled there'));
    // The create, late: the sandbox's charge stays cancelled (it cannot be paid), and reports no amount.
    await app.sandbox.createPayment({ paymentId: lost.id, userId, amount: AMOUNT, currency: 'CNY' });
    await expect(app.sandbox.simulate(lost.id, { outcome: 'success', callback: 'send', refunds: 'accept' })).rejects.toBeInstanceOf(AlreadySettledError);
    expect(await app.sandbox.queryPayment(lost.id)).toEqual({ status: 'FAILED', failureReason: 'cancelled before it was opened' });
  });

  it('cancels at once a payment whose order another attempt paid (PAID is closed too)', async () => {
    await setUp();
    const payment = await started();
    await app.closePayment.execute({ orderId: payment.orderId, userId: payment.userId, closedAs: 'PAID' });
    app.clock.advance(RECONCILE_AFTER_MS);
    expect(await job.run(jobRun())).toBe(1);
    expect(await statusOf(payment.paymentId)).toMatchObject({ status: 'FAILED', failureReason: 'EXPIRED' });
  });

  it('applies the success a cancel finds instead (the customer paid just in time)', async () => {
    await setUp();
    const payment = await started();
    await app.closePayment.execute({ orderId: payment.orderId, userId: payment.userId, closedAs: 'CANCELLED' });
    app.clock.advance(RECONCILE_AFTER_MS);
    // The provider still says PENDING when asked, and has taken the money by the time it is told to cancel.
    const queryPayment = app.sandbox.queryPayment.bind(app.sandbox);
    app.sandbox.queryPayment = async (paymentId) => {
      const state = await queryPayment(paymentId);
      await settledSilently(payment, 'success');
      return state;
    };
    expect(await job.run(jobRun())).toBe(1);
    expect((await statusOf(payment.paymentId))?.status).toBe('SUCCEEDED');
    expect(await events()).toEqual([['payment.succeeded.v1', payment.paymentId]]);
  });

  it('refuses a provider reporting another amount (logged at error, nothing changed), skips that payment for a while and goes on with the others', async () => {
    const { database } = await setUp();
    const tampered = await started();
    const healthy = await started();
    await settledSilently(tampered, 'success');
    await settledSilently(healthy, 'success');
    // Someone changed the provider's record of the charge.
    await database.query(`UPDATE payment_sandbox_charge SET amount = 1 WHERE payment_id = ${kind === 'postgres' ? '$1' : '?'}`, [tampered.paymentId]);
    app.clock.advance(RECONCILE_AFTER_MS);

    // One per run: the tampered one, oldest, is tried first and fails.
    expect(await job.run(jobRun(1))).toBe(0);
    expect(log.lines.filter((line) => line.level === 'error')).toEqual([
      expect.objectContaining({ paymentId: tampered.paymentId, code: 'AMOUNT_MISMATCH', retryDelayMs: FIRST_RETRY_DELAY_MS }),
    ]);
    expect((await statusOf(tampered.paymentId))?.status).toBe('PENDING');
    // The next run skips it: the healthy one is settled rather than starved.
    expect(await job.run(jobRun(1))).toBe(1);
    expect((await statusOf(healthy.paymentId))?.status).toBe('SUCCEEDED');
    // Past its delay it is tried again, and refused again.
    app.clock.advance(FIRST_RETRY_DELAY_MS);
    expect(await job.run(jobRun(1))).toBe(0);
    expect(log.lines.filter((line) => line.level === 'error')).toHaveLength(2);
    expect(await events()).toEqual([['payment.succeeded.v1', healthy.paymentId]]);
  });

  it('skips a payment the provider cannot be asked about (logged at warn) and settles the rest', async () => {
    await setUp();
    const unreachable = await started();
    const fine = await started();
    await settledSilently(fine, 'failure');
    const queryPayment = app.sandbox.queryPayment.bind(app.sandbox);
    app.sandbox.queryPayment = (paymentId) => (paymentId === unreachable.paymentId ? Promise.reject(new Error('ETIMEDOUT')) : queryPayment(paymentId));
    app.clock.advance(RECONCILE_AFTER_MS);
    expect(await job.run(jobRun())).toBe(1);
    expect(log.lines.filter((line) => line.level === 'warn')).toEqual([expect.objectContaining({ paymentId: unreachable.paymentId })]);
    expect((await statusOf(unreachable.paymentId))?.status).toBe('PENDING');
    expect((await statusOf(fine.paymentId))?.status).toBe('FAILED');
  });

  it('skips, like a failing one, a payment the provider does not answer about within PAYMENT_PROVIDER_TIMEOUT', async () => {
    await setUp({ providerTimeoutMs: 100 });
    const payment = await started();
    let asked: AbortSignal | undefined;
    app.sandbox.queryPayment = (_paymentId, options) => {
      asked = options?.signal;
      return new Promise(() => undefined);
    };
    app.clock.advance(RECONCILE_AFTER_MS);
    expect(await job.run(jobRun())).toBe(0);
    expect(asked?.aborted).toBe(true);
    expect(log.lines.filter((line) => line.level === 'warn')).toEqual([
      expect.objectContaining({ paymentId: payment.paymentId, retryDelayMs: FIRST_RETRY_DELAY_MS }),
    ]);
    expect((await statusOf(payment.paymentId))?.status).toBe('PENDING');
  });

  it('forgets a payment it was leaving out once it is no longer stuck (settled meanwhile by its callback)', async () => {
    const { database } = await setUp();
    const payment = await started();
    await settledSilently(payment, 'success');
    const param = kind === 'postgres' ? '$1' : '?';
    await database.query(`UPDATE payment_sandbox_charge SET amount = 1 WHERE payment_id = ${param}`, [payment.paymentId]);
    app.clock.advance(RECONCILE_AFTER_MS);
    expect(await job.run(jobRun())).toBe(0);
    expect(job.backedOff).toBe(1);
    // The provider's record put right, its callback comes and settles the payment.
    await database.query(`UPDATE payment_sandbox_charge SET amount = ${AMOUNT} WHERE payment_id = ${param}`, [payment.paymentId]);
    await app.sandbox.simulate(payment.paymentId, { outcome: 'success', callback: 'send', refunds: 'accept' });
    await waitFor(async () => (await statusOf(payment.paymentId))?.status === 'SUCCEEDED', { what: 'the callback applied' });
    app.clock.advance(FIRST_RETRY_DELAY_MS);
    expect(await job.run(jobRun())).toBe(0);
    expect(job.backedOff).toBe(0);
  });

  it('stops between payments once the run is aborted (its deadline, or the service stopping)', async () => {
    await setUp();
    const payment = await started();
    await settledSilently(payment, 'success');
    app.clock.advance(RECONCILE_AFTER_MS);
    const aborted = new AbortController();
    aborted.abort();
    expect(await job.run({ ...jobRun(), signal: aborted.signal })).toBe(0);
    expect((await statusOf(payment.paymentId))?.status).toBe('PENDING');
  });
});

describe.each(SETUPS)('reconciliation in the running service (%s)', (setup) => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  it('settles a payment whose provider stayed silent, by its scheduled job, and publishes it', async () => {
    const home = await PaymentServiceHome.create(setup, cleanups);
    const service = await home.start(testPaymentConfig({ PAYMENT_RECONCILE_AFTER: '0', PAYMENT_RECONCILE_INTERVAL: '50ms' }));
    const events = await home.listen<PaymentSucceededV1>([PaymentSucceededV1.type]);
    const awaiting = orderAwaitingPayment({ payable: AMOUNT });
    await home.deliver(awaiting);
    const customer = aCustomer(awaiting.payload.userId);
    const payment = await service.api.pay(customer, awaiting.payload.orderId);
    await service.api.simulate(customer, payment.paymentId, { outcome: 'success', callback: 'withhold' });
    await waitFor(async () => (await service.api.payment(customer, payment.paymentId)).status === 'SUCCEEDED', { what: 'reconciliation settled it' });
    const published = await waitFor(() => events.seen[0], { what: 'payment.succeeded.v1 published' });
    expect(published.payload).toMatchObject({ paymentId: payment.paymentId, amount: AMOUNT });
  });
});
