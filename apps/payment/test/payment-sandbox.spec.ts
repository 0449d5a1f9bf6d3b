import { randomUUID } from 'node:crypto';
import { PaymentSucceededV1, ProviderCallback } from '@shop/contracts';
import { newId } from '@shop/shared-kernel';
import { Cleanups, assertMatchesSchema, capturingLogger, waitFor } from '@shop/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { AlreadySettledError, PaymentNotFoundError } from '../src/domain/payment.errors.js';
import { verifyPaymentCallbackSignature } from '../src/domain/webhook-signature.js';
import {
  SandboxCallbackRefusedError,
  type SandboxCallbackDelivery,
  type SignedSandboxCallback,
} from '../src/infrastructure/sandbox/sandbox-callback.delivery.js';
import { PaymentServiceHome, SETUPS, WEBHOOK_SECRET, aCustomer, orderAwaitingPayment, problemOf } from './support/payment-service-harness.js';
import { KINDS, openPaymentDatabase, outboxRows, paymentApplication, type PaymentApplicationOptions } from './support/payment-test-database.js';

const AMOUNT = 8_000;
const TOLERANCE_MS = 5 * 60_000;

/** Takes every callback the sandbox sends; the ones in `failures` (in turn) are thrown instead of taken. */
class RecordingDelivery implements SandboxCallbackDelivery {
  readonly name = 'recording';
  readonly attempts: SignedSandboxCallback[] = [];
  readonly delivered: SignedSandboxCallback[] = [];
  readonly failures: Error[] = [];
  /** The signal each try was given (aborted: the sandbox abandoned it). */
  readonly signals: AbortSignal[] = [];
  private held: Promise<void> | undefined;

  async deliver(callback: SignedSandboxCallback, signal: AbortSignal): Promise<void> {
    this.attempts.push(callback);
    this.signals.push(signal);
    // Held: the receiver answers once released, or the try is abandoned (its signal aborted).
    if (this.held)
      await Promise.race([this.held, new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))]);
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.delivered.push(callback);
  }

  /** The tries from now on wait until `release()`. */
  hold(): { release: () => void } {
    let release!: () => void;
    this.held = new Promise<void>((resolve) => (release = resolve));
    return { release };
  }

  /** The n-th (1-based) callback taken. */
  taken(n: number): Promise<SignedSandboxCallback> {
    return waitFor(() => this.delivered[n - 1], { what: `callback #${n} delivered` });
  }
}

/** The callback's body as the receiver reads it, after checking it is signed with the webhook secret over its very bytes. */
function bodyOf(callback: SignedSandboxCallback, nowMs = Date.now()): ProviderCallback {
  expect(
    verifyPaymentCallbackSignature({ secret: WEBHOOK_SECRET, header: callback.signature, rawBody: callback.rawBody, nowMs, toleranceMs: TOLERANCE_MS }),
  ).toEqual({
    valid: true,
  });
  const body = JSON.parse(callback.rawBody.toString('utf8')) as ProviderCallback;
  assertMatchesSchema(ProviderCallback, body);
  return body;
}

describe.each(KINDS)('the sandbox payment provider on %s', (kind) => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  /** The use cases over the real adapters; the sandbox's callbacks recorded, or `inProcess` to the callback use case. */
  async function setUp(options: PaymentApplicationOptions & { inProcess?: boolean } = {}) {
    const database = await openPaymentDatabase(kind, cleanups);
    const delivery = new RecordingDelivery();
    const { inProcess, ...rest } = options;
    const app = paymentApplication(database.transactions, cleanups, { delivery: inProcess ? undefined : delivery, sandboxRetryDelaysMs: [1, 1, 1], ...rest });
    return { database, delivery, app, sandbox: app.sandbox };
  }

  /** A payment id with a PENDING charge of AMOUNT fen, opened as POST /payments opens one. */
  async function opened(sandbox: Awaited<ReturnType<typeof setUp>>['sandbox'], amount = AMOUNT): Promise<{ paymentId: string; providerPaymentId: string }> {
    const paymentId = newId();
    const { providerPaymentId } = await sandbox.createPayment({ paymentId, userId: newId(), amount, currency: 'CNY' });
    return { paymentId, providerPaymentId };
  }

  const send = { outcome: 'success', callback: 'send', refunds: 'accept' } as const;

  describe('charges', () => {
    it('opens one charge per payment id: a repeated create answers the same provider id, another amount is refused', async () => {
      const { sandbox, database } = await setUp();
      const { paymentId, providerPaymentId } = await opened(sandbox);
      expect(providerPaymentId).toMatch(/^sbx_[0-9a-f]{24}$/);
      expect(await sandbox.createPayment({ paymentId, userId: newId(), amount: AMOUNT, currency: 'CNY' })).toEqual({ providerPaymentId });
      await expect(sandbox.createPayment({ paymentId, userId: newId(), amount: AMOUNT + 1, currency: 'CNY' })).rejects.toThrow(/opened for 8000 CNY/);
      expect(await database.count('payment_sandbox_charge')).toBe(1);
      expect((await opened(sandbox)).providerPaymentId).not.toBe(providerPaymentId);
    });

    it('answers what it knows of a charge: UNKNOWN, PENDING, then how it was settled', async () => {
      const { sandbox } = await setUp();
      expect(await sandbox.queryPayment(newId())).toEqual({ status: 'UNKNOWN' });
      expect(await sandbox.queryPayment('not-a-uuid')).toEqual({ status: 'UNKNOWN' });
      const paid = await opened(sandbox);
      expect(await sandbox.queryPayment(paid.paymentId)).toEqual({
        status: 'PENDING',
        providerPaymentId: paid.providerPaymentId,
        amount: AMOUNT,
        currency: 'CNY',
      });
      await sandbox.simulate(paid.paymentId, { ...send, callback: 'withhold' });
      expect(await sandbox.queryPayment(paid.paymentId)).toEqual({
        status: 'SUCCEEDED',
        providerPaymentId: paid.providerPaymentId,
        amount: AMOUNT,
        currency: 'CNY',
      });
      const declined = await opened(sandbox);
      await sandbox.simulate(declined.paymentId, { ...send, outcome: 'failure', callback: 'withhold' });
      expect(await sandbox.queryPayment(declined.paymentId)).toMatchObject({ status: 'FAILED', failureReason: expect.stringContaining('declined') });
    });

    it('cancels a PENDING charge (it can no longer be paid), and says when it was settled already', async () => {
      const { sandbox, delivery } = await setUp();
      const pending = await opened(sandbox);
      expect(await sandbox.cancelPayment(pending.paymentId)).toBe('cancelled');
      expect(await sandbox.cancelPayment(pending.paymentId)).toBe('cancelled');
      await expect(sandbox.simulate(pending.paymentId, send)).rejects.toBeInstanceOf(AlreadySettledError);
      expect(await sandbox.queryPayment(pending.paymentId)).toMatchObject({ status: 'FAILED' });

      const paid = await opened(sandbox);
      await sandbox.simulate(paid.paymentId, { ...send, callback: 'withhold' });
      expect(await sandbox.cancelPayment(paid.paymentId)).toBe('already-succeeded');
      const declined = await opened(sandbox);
      await sandbox.simulate(declined.paymentId, { ...send, outcome: 'failure', callback: 'withhold' });
      expect(await sandbox.cancelPayment(declined.paymentId)).toBe('already-failed');
      expect(delivery.attempts).toEqual([]);
    });

    it('cancels a charge it never opened for good: a create arriving after it cannot make it payable; it reports no amount (none was asked for)', async () => {
      const { sandbox } = await setUp();
      const paymentId = newId();
      expect(await sandbox.cancelPayment(paymentId)).toBe('cancelled');
      expect(await sandbox.queryPayment(paymentId)).toEqual({ status: 'FAILED', failureReason: 'cancelled before it was opened' });
      const { providerPaymentId } = await sandbox.createPayment({ paymentId, userId: newId(), amount: AMOUNT, currency: 'CNY' });
      expect(providerPaymentId).toMatch(/^sbx_/);
      await expect(sandbox.simulate(paymentId, send)).rejects.toBeInstanceOf(AlreadySettledError);
      expect(await sandbox.queryPayment(paymentId)).toEqual({ status: 'FAILED', failureReason: 'cancelled before it was opened' });
      expect(await sandbox.cancelPayment(paymentId)).toBe('cancelled');
    });
  });

  describe('the caller’s signal (PAYMENT_PROVIDER_TIMEOUT)', () => {
    const aborted = () => AbortSignal.abort(new DOMException('the caller stopped waiting', 'TimeoutError'));

    it('does nothing for a caller that stopped waiting already', async () => {
      const { sandbox, database } = await setUp();
      const paymentId = newId();
      await expect(sandbox.createPayment({ paymentId, userId: newId(), amount: AMOUNT, currency: 'CNY' }, { signal: aborted() })).rejects.toThrow(
        'the caller stopped waiting',
      );
      await expect(sandbox.cancelPayment(paymentId, { signal: aborted() })).rejects.toThrow('the caller stopped waiting');
      await expect(sandbox.queryPayment(paymentId, { signal: aborted() })).rejects.toThrow('the caller stopped waiting');
      expect(await database.count('payment_sandbox_charge')).toBe(0);

      const paid = await opened(sandbox);
      await sandbox.simulate(paid.paymentId, { ...send, callback: 'withhold' });
      const refund = { paymentId: paid.paymentId, refundId: randomUUID(), amount: AMOUNT, currency: 'CNY' };
      await expect(sandbox.refundPayment(refund, { signal: aborted() })).rejects.toThrow('the caller stopped waiting');
      expect(await database.query('SELECT refund_id FROM payment_sandbox_charge')).toEqual([{ refund_id: null }]);
    });

    it.each(['createPayment', 'cancelPayment', 'refundPayment'] as const)(
      '%s stops waiting when the signal aborts while the charge is locked, and writes nothing once it gets its turn',
      async (operation) => {
        const { sandbox, app } = await setUp();
        const paid = await opened(sandbox);
        await sandbox.simulate(paid.paymentId, { ...send, callback: 'withhold' });
        const fresh = newId();
        const param = kind === 'postgres' ? '$1' : '?';
        // Another transaction holds the charge (PostgreSQL: its row; SQLite: the one writer) until released.
        let release!: () => void;
        let locked!: () => void;
        const isLocked = new Promise<void>((resolve) => (locked = resolve));
        const holding = app.transactions.run(async () => {
          await app.transactions.manager.query(`UPDATE payment_sandbox_charge SET refunds = refunds WHERE payment_id = ${param}`, [paid.paymentId]);
          locked();
          await new Promise<void>((resolve) => (release = resolve));
        });
        await isLocked;
        const caller = new AbortController();
        const call =
          operation === 'createPayment'
            ? sandbox.createPayment({ paymentId: fresh, userId: newId(), amount: AMOUNT, currency: 'CNY' }, { signal: caller.signal })
            : operation === 'cancelPayment'
              ? sandbox.cancelPayment(paid.paymentId, { signal: caller.signal })
              : sandbox.refundPayment({ paymentId: paid.paymentId, refundId: randomUUID(), amount: AMOUNT, currency: 'CNY' }, { signal: caller.signal });
        caller.abort(new Error('PAYMENT_PROVIDER_TIMEOUT'));
        await expect(call).rejects.toThrow('PAYMENT_PROVIDER_TIMEOUT');
        release();
        await holding;
        // A transaction queued behind the abandoned call's (same row, same writer) sees what it left: nothing.
        const rows = await app.transactions.run(
          async () =>
            app.transactions.manager.query(
              `SELECT payment_id, status, refund_id FROM payment_sandbox_charge ${kind === 'postgres' ? 'FOR UPDATE' : ''}`,
            ) as Promise<Array<{ payment_id: string; status: string; refund_id: string | null }>>,
        );
        expect(rows).toEqual([{ payment_id: paid.paymentId, status: 'SUCCEEDED', refund_id: null }]);
      },
    );
  });

  describe('simulate', () => {
    it('settles the charge and sends its signed callback only after answering', async () => {
      const { sandbox, delivery } = await setUp();
      const { paymentId, providerPaymentId } = await opened(sandbox);
      expect(await sandbox.simulate(paymentId, send)).toBe('settled');
      // The answer is back and nothing was sent yet: the callback follows it.
      expect(delivery.attempts).toEqual([]);
      const callback = await delivery.taken(1);
      expect(bodyOf(callback)).toEqual({
        eventId: expect.any(String),
        type: 'payment.succeeded',
        paymentId,
        providerPaymentId,
        amount: AMOUNT,
        currency: 'CNY',
        occurredAt: expect.any(String),
      });
      expect(callback.paymentId).toBe(paymentId);
    });

    it('sends a failure with its reason', async () => {
      const { sandbox, delivery } = await setUp();
      const { paymentId } = await opened(sandbox);
      expect(await sandbox.simulate(paymentId, { ...send, outcome: 'failure' })).toBe('settled');
      expect(bodyOf(await delivery.taken(1))).toMatchObject({
        type: 'payment.failed',
        paymentId,
        amount: AMOUNT,
        failureReason: expect.stringContaining('declined'),
      });
    });

    it('sends the same callback again when simulated again the same way (a duplicate, same eventId); the other way is ALREADY_SETTLED', async () => {
      const { sandbox, delivery } = await setUp();
      const { paymentId } = await opened(sandbox);
      await sandbox.simulate(paymentId, send);
      const first = bodyOf(await delivery.taken(1));
      expect(await sandbox.simulate(paymentId, send)).toBe('resent');
      const again = bodyOf(await delivery.taken(2));
      expect(again).toEqual(first);
      await expect(sandbox.simulate(paymentId, { ...send, outcome: 'failure' })).rejects.toBeInstanceOf(AlreadySettledError);
      expect(await sandbox.queryPayment(paymentId)).toMatchObject({ status: 'SUCCEEDED' });
    });

    it('withholds the callback when told (a silent provider) and refuses an unknown charge', async () => {
      const { sandbox, delivery } = await setUp();
      const { paymentId } = await opened(sandbox);
      expect(await sandbox.simulate(paymentId, { ...send, callback: 'withhold' })).toBe('settled');
      await expect(sandbox.simulate(newId(), send)).rejects.toBeInstanceOf(PaymentNotFoundError);
      // Another charge's callback is sent after it: had the withheld one left, it would be first.
      const other = await opened(sandbox);
      await sandbox.simulate(other.paymentId, send);
      expect((await delivery.taken(1)).paymentId).toBe(other.paymentId);
      expect(delivery.attempts).toHaveLength(1);
    });

    it('tries a failed delivery again, signing each try afresh, and stops after a few (reconciliation is left to settle it)', async () => {
      const log = capturingLogger({ service: 'payment' });
      const { sandbox, delivery, app } = await setUp({ logger: log.logger });
      const { paymentId } = await opened(sandbox);
      delivery.failures.push(new Error('ECONNREFUSED'), new Error('503'));
      await sandbox.simulate(paymentId, send);
      const taken = await delivery.taken(1);
      expect(delivery.attempts).toHaveLength(3);
      expect(new Set(delivery.attempts.map((attempt) => attempt.rawBody.toString()))).toEqual(new Set([taken.rawBody.toString()]));
      expect(log.messages('warn')).toEqual([expect.stringContaining('tried again'), expect.stringContaining('tried again')]);

      // Never taken: four tries (the first and three retries), then an error in the log.
      const lost = await opened(sandbox);
      delivery.failures.push(...[1, 2, 3, 4].map((n) => new Error(`down ${n}`)));
      app.clock.advance(1_000);
      await sandbox.simulate(lost.paymentId, send);
      await waitFor(() => log.messages('error').length === 1, { what: 'the delivery given up' });
      expect(delivery.attempts.filter((attempt) => attempt.paymentId === lost.paymentId)).toHaveLength(4);
      expect(log.lines.at(-1)).toMatchObject({ level: 'error', paymentId: lost.paymentId, attempts: 4 });
      expect(JSON.stringify(log.lines)).not.toContain(WEBHOOK_SECRET);
    });

    it('does not send again a callback the receiver refused for good', async () => {
      const log = capturingLogger({ service: 'payment' });
      const { sandbox, delivery } = await setUp({ logger: log.logger });
      const { paymentId } = await opened(sandbox);
      delivery.failures.push(new SandboxCallbackRefusedError(paymentId, '401 INVALID_SIGNATURE'));
      await sandbox.simulate(paymentId, send);
      await waitFor(() => log.messages('error').length === 1, { what: 'the refusal logged' });
      expect(delivery.attempts).toHaveLength(1);
      expect(log.lines.at(-1)).toMatchObject({ paymentId, why: '401 INVALID_SIGNATURE' });
    });

    it('keeps calling back while the service begins to stop (its HTTP server still closing), and the stop waits for the callback on its way', async () => {
      const { sandbox, delivery } = await setUp();
      // Nothing of the sandbox stops before Nest's last hook (onApplicationShutdown: HTTP closed, the database still open).
      expect(sandbox).not.toHaveProperty('onModuleDestroy');
      expect(sandbox).not.toHaveProperty('beforeApplicationShutdown');
      const gate = delivery.hold();
      const { paymentId } = await opened(sandbox);
      await sandbox.simulate(paymentId, send);
      await waitFor(() => delivery.attempts.length === 1, { what: 'the callback on its way' });
      let stopped = false;
      const stopping = sandbox.onApplicationShutdown().then(() => (stopped = true));
      await new Promise((resolve) => setImmediate(resolve));
      expect(stopped).toBe(false);
      gate.release();
      await stopping;
      expect(delivery.delivered.map((callback) => callback.paymentId)).toEqual([paymentId]);
    });

    it('tries a waiting retry at once when the service stops, and not again; sends nothing simulated after the stop', async () => {
      const log = capturingLogger({ service: 'payment' });
      const { sandbox, delivery } = await setUp({ sandboxRetryDelaysMs: [60_000, 60_000], logger: log.logger });
      const { paymentId } = await opened(sandbox);
      delivery.failures.push(new Error('down'), new Error('still down'));
      await sandbox.simulate(paymentId, send);
      await waitFor(() => delivery.attempts.length === 1, { what: 'the first try' });
      // The retry is a minute away: the stop tries it now, and gives up when it fails.
      await sandbox.onApplicationShutdown();
      expect(delivery.attempts).toHaveLength(2);
      expect(log.lines.at(-1)).toMatchObject({ level: 'error', paymentId, attempts: 2 });

      const later = await opened(sandbox);
      await sandbox.simulate(later.paymentId, send);
      await new Promise((resolve) => setImmediate(resolve));
      expect(delivery.attempts).toHaveLength(2);
      expect(log.lines.at(-1)).toMatchObject({ level: 'warn', paymentId: later.paymentId });
    });

    it('abandons a delivery still running once the stop’s grace is over', async () => {
      const { sandbox, delivery } = await setUp({ sandboxStopGraceMs: 1 });
      delivery.hold();
      const { paymentId } = await opened(sandbox);
      await sandbox.simulate(paymentId, send);
      await waitFor(() => delivery.attempts.length === 1, { what: 'the callback on its way' });
      await sandbox.onApplicationShutdown();
      expect(delivery.signals[0]!.aborted).toBe(true);
      expect(delivery.delivered).toEqual([]);
    });
  });

  describe('refunds', () => {
    it('gives a succeeded charge’s money back once, idempotent on the refund id', async () => {
      const { sandbox } = await setUp();
      const { paymentId } = await opened(sandbox);
      await sandbox.simulate(paymentId, { ...send, callback: 'withhold' });
      const refundId = randomUUID();
      const refund = { paymentId, refundId, amount: AMOUNT, currency: 'CNY' };
      expect(await sandbox.refundPayment(refund)).toEqual({ outcome: 'refunded' });
      expect(await sandbox.refundPayment(refund)).toEqual({ outcome: 'refunded' });
      expect(await sandbox.refundPayment({ ...refund, refundId: randomUUID() })).toEqual({
        outcome: 'refused',
        reason: expect.stringContaining('refunded already'),
      });
    });

    it('takes a refund id in upper case as the same id, stored lower-cased: a retry in either case is the same refund', async () => {
      const { sandbox, database } = await setUp();
      const { paymentId } = await opened(sandbox);
      await sandbox.simulate(paymentId, { ...send, callback: 'withhold' });
      const refundId = randomUUID();
      const refund = { paymentId, refundId: refundId.toUpperCase(), amount: AMOUNT, currency: 'CNY' };
      expect(await sandbox.refundPayment(refund)).toEqual({ outcome: 'refunded' });
      expect(await database.query('SELECT refund_id FROM payment_sandbox_charge')).toEqual([{ refund_id: refundId }]);
      expect(await sandbox.refundPayment(refund)).toEqual({ outcome: 'refunded' });
      expect(await sandbox.refundPayment({ ...refund, refundId })).toEqual({ outcome: 'refunded' });
    });

    it('refuses a refund of a charge that took no money, of another amount, or while told to refuse', async () => {
      const { sandbox } = await setUp();
      const pending = await opened(sandbox);
      const refundOf = (paymentId: string, amount = AMOUNT) => sandbox.refundPayment({ paymentId, refundId: randomUUID(), amount, currency: 'CNY' });
      expect(await refundOf(pending.paymentId)).toMatchObject({ outcome: 'refused' });
      expect(await refundOf(newId())).toMatchObject({ outcome: 'refused' });

      const paid = await opened(sandbox);
      await sandbox.simulate(paid.paymentId, { ...send, callback: 'withhold', refunds: 'refuse' });
      expect(await refundOf(paid.paymentId)).toEqual({ outcome: 'refused', reason: expect.stringContaining('refuses refunds') });
      expect(await refundOf(paid.paymentId, AMOUNT - 1)).toEqual({ outcome: 'refused', reason: expect.stringContaining('not the charge') });
      // Simulated again, the same way, accepting refunds now: the next try goes through.
      expect(await sandbox.simulate(paid.paymentId, { ...send, callback: 'withhold', refunds: 'accept' })).toBe('resent');
      expect(await refundOf(paid.paymentId)).toEqual({ outcome: 'refunded' });
    });
  });

  describe('in-process to the callback use case', () => {
    /** An order awaiting payment and its payment started through the use cases (PENDING, its charge opened). */
    async function paymentStarted(app: Awaited<ReturnType<typeof setUp>>['app']) {
      const orderId = newId();
      const userId = newId();
      await app.openPayment.execute({ orderId, userId, payable: AMOUNT, paymentDueAt: new Date(app.clock.now().getTime() + 15 * 60_000) });
      const payment = await app.createPayment.execute({ orderId, userId });
      return { ...payment, userId };
    }

    const statusOf = async (app: Awaited<ReturnType<typeof setUp>>['app'], paymentId: string) => (await app.payments.find(paymentId))?.status;

    it('settles the payment through the signed callback: verified, applied once, announced once (a re-sent callback changes nothing)', async () => {
      const { app } = await setUp({ inProcess: true });
      // What the use case answered to each callback the sandbox handed it.
      const outcomes: string[] = [];
      const execute = app.receiveCallback.execute.bind(app.receiveCallback);
      app.receiveCallback.execute = async (command) => {
        const result = await execute(command);
        outcomes.push(result.outcome);
        return result;
      };
      const payment = await paymentStarted(app);
      expect(payment.status).toBe('PENDING');
      await app.simulate.execute({ userId: payment.userId, paymentId: payment.paymentId, outcome: 'success', callback: 'send', refunds: 'accept' });
      await waitFor(() => outcomes.length === 1, { what: 'the callback handled' });
      expect(await statusOf(app, payment.paymentId)).toBe('SUCCEEDED');
      // Simulated again the way it was settled: the sandbox sends the same callback again.
      await app.simulate.execute({ userId: payment.userId, paymentId: payment.paymentId, outcome: 'success', callback: 'send', refunds: 'accept' });
      await waitFor(() => outcomes.length === 2, { what: 'the re-sent callback handled' });
      expect(outcomes).toEqual(['succeeded', 'duplicate']);
      const succeeded = (await outboxRows(app.transactions)).filter((row) => row.type === 'payment.succeeded.v1');
      expect(succeeded.map((row) => row.aggregateId)).toEqual([payment.paymentId]);
    });

    it('fails the payment through a failure callback', async () => {
      const { app } = await setUp({ inProcess: true });
      const payment = await paymentStarted(app);
      await app.simulate.execute({ userId: payment.userId, paymentId: payment.paymentId, outcome: 'failure', callback: 'send', refunds: 'accept' });
      await waitFor(async () => (await statusOf(app, payment.paymentId)) === 'FAILED', { what: 'the payment failed by its callback' });
      expect((await app.payments.find(payment.paymentId))?.failureReason).toBe('DECLINED');
    });

    it('has its signature checked like any callback: signed with another secret, it is refused and nothing changes', async () => {
      const log = capturingLogger({ service: 'payment' });
      const { app } = await setUp({ inProcess: true, sandboxSecret: 'not-the-service-webhook-secret-of-32-bytes', logger: log.logger });
      const payment = await paymentStarted(app);
      await app.simulate.execute({ userId: payment.userId, paymentId: payment.paymentId, outcome: 'success', callback: 'send', refunds: 'accept' });
      await waitFor(() => log.messages('error').length === 1, { what: 'the refused callback logged' });
      expect(log.lines.at(-1)).toMatchObject({ paymentId: payment.paymentId, why: expect.stringContaining('INVALID_SIGNATURE') });
      expect(await statusOf(app, payment.paymentId)).toBe('PENDING');
      expect(await outboxRows(app.transactions)).toEqual([]);
    });
  });
});

describe.each(SETUPS)('the sandbox in the running service (%s)', (setup) => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  it('settles a payment through its in-process callback after the simulate answer, and publishes payment.succeeded.v1 once', async () => {
    const home = await PaymentServiceHome.create(setup, cleanups);
    const log = capturingLogger({ service: 'payment', level: 'debug' });
    const service = await home.start(undefined, { logger: log.logger });
    const delivered = () => log.lines.filter((line) => line.msg === 'sandbox: callback delivered' && line.paymentId === payment.paymentId);
    const events = await home.listen<PaymentSucceededV1>([PaymentSucceededV1.type]);
    const awaiting = orderAwaitingPayment({ payable: AMOUNT });
    await home.deliver(awaiting);
    const customer = aCustomer(awaiting.payload.userId);
    const payment = await service.api.pay(customer, awaiting.payload.orderId);
    expect(payment).toMatchObject({ status: 'PENDING', amount: AMOUNT, provider: 'sandbox' });

    expect(await service.api.simulate(customer, payment.paymentId, { outcome: 'success' })).toEqual({
      paymentId: payment.paymentId,
      outcome: 'success',
      callback: 'send',
      refunds: 'accept',
    });
    await waitFor(async () => (await service.api.payment(customer, payment.paymentId)).status === 'SUCCEEDED', { what: 'the payment settled' });
    const published = await waitFor(() => events.seen[0], { what: 'payment.succeeded.v1 published' });
    expect(published.payload).toMatchObject({ paymentId: payment.paymentId, orderId: awaiting.payload.orderId, amount: AMOUNT });

    // Simulated again: the same callback again, a duplicate; and the other way: 409.
    await service.api.simulate(customer, payment.paymentId, { outcome: 'success' });
    const other = await service.api.simulatePayment(customer, payment.paymentId, { outcome: 'failure' });
    expect(other.status).toBe(409);
    expect((await problemOf(other)).code).toBe('ALREADY_SETTLED');
    await waitFor(() => delivered().length === 2, { what: 'the duplicate callback handled' });
    expect(new Set(delivered().map((line) => line.eventId)).size).toBe(1);
    expect(await service.api.payment(customer, payment.paymentId)).toMatchObject({ status: 'SUCCEEDED' });
    expect((await home.outboxTypes()).filter((type) => type === PaymentSucceededV1.type)).toHaveLength(1);
  });
});
