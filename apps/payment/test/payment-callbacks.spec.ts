// The provider's callback, `POST /payments/callback`, as the gateway forwards it (anonymous, the body's
// bytes unchanged), on PostgreSQL + RabbitMQ: every case of issue 12. The test is the provider: it signs
// as a provider's own code would (HMAC-SHA256 over "<t>.<raw body>", written here from the scheme, not
// taken from the service), so a service that verified anything else than the bytes it was sent, or
// another scheme, fails here. Each refusal changes nothing: the payment row, its events and the outbox
// stay as they were.
import { createHmac, randomUUID } from 'node:crypto';
import { PaymentSucceededV1, type PaymentView, type ProviderCallback } from '@shop/contracts';
import type { Identity } from '@shop/http';
import { Cleanups, capturingLogger, expectProblem, waitFor, type LogLine } from '@shop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PaymentServiceHome,
  WEBHOOK_SECRET,
  aCustomer,
  orderAwaitingPayment,
  orderCancelled,
  problemOf,
  testPaymentConfig,
  type PaymentApi,
} from './support/payment-service-harness.js';

/** `PAYMENT_WEBHOOK_TOLERANCE`'s default: five minutes either way. */
const WINDOW_S = 5 * 60;
const nowS = () => Math.floor(Date.now() / 1000);

/** The `Payment-Signature` header a provider sends: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
function signatureOf(body: string | Buffer, options: { at?: number; secret?: string } = {}): string {
  const t = String(options.at ?? nowS());
  const v1 = createHmac('sha256', options.secret ?? WEBHOOK_SECRET)
    .update(`${t}.`)
    .update(body)
    .digest('hex');
  return `t=${t},v1=${v1}`;
}

/** A started payment as the provider knows it: ours, with the sandbox's id for it. */
interface StartedPayment {
  readonly customer: Identity;
  readonly orderId: string;
  readonly paymentId: string;
  readonly amount: number;
  readonly providerPaymentId: string;
}

describe('the provider’s callback on PostgreSQL', () => {
  const cleanups = new Cleanups();
  let home: PaymentServiceHome;
  let api: PaymentApi;
  const log = capturingLogger({ service: 'payment', level: 'info' });

  beforeAll(async () => {
    home = await PaymentServiceHome.create('postgres+amqp', cleanups);
    // Reconciliation far away: here only callbacks settle payments.
    ({ api } = await home.start(testPaymentConfig({ PAYMENT_RECONCILE_AFTER: '24h', PAYMENT_PENDING_TIMEOUT: '168h' }), { logger: log.logger }));
  }, 120_000);
  afterAll(() => cleanups.run());

  // ---------------------------------------------------------------- helpers

  async function aStartedPayment(amount = 8_000): Promise<StartedPayment> {
    const customer = aCustomer();
    const awaiting = orderAwaitingPayment({ userId: customer.userId, payable: amount });
    await home.deliver(awaiting);
    const payment = await api.pay(customer, awaiting.payload.orderId);
    const [charge] = await home.query<{ provider_payment_id: string }>(`SELECT provider_payment_id FROM payment_sandbox_charge WHERE payment_id = $1`, [
      payment.paymentId,
    ]);
    return { customer, orderId: awaiting.payload.orderId, paymentId: payment.paymentId, amount, providerPaymentId: charge!.provider_payment_id };
  }

  /** The callback body, as JSON text: a success of the whole amount in CNY unless `change` says otherwise. */
  function callbackOf(payment: StartedPayment, change: Partial<Record<keyof ProviderCallback, unknown>> = {}): string {
    return JSON.stringify({
      eventId: randomUUID(),
      type: 'payment.succeeded',
      paymentId: payment.paymentId,
      providerPaymentId: payment.providerPaymentId,
      amount: payment.amount,
      currency: 'CNY',
      occurredAt: new Date().toISOString(),
      ...change,
    });
  }

  /** Everything a callback could change: the payment's row and every event of the service. */
  async function stateOf(paymentId: string): Promise<unknown> {
    const [payment] = await home.query(`SELECT * FROM payment WHERE payment_id = $1`, [paymentId]);
    const events = await home.query(`SELECT seq, type, aggregate_id FROM outbox ORDER BY seq`);
    return { payment, events };
  }

  /** Sends `act`'s callbacks and expects that none changed anything. */
  async function expectNothingChanged(paymentId: string, act: () => Promise<void>): Promise<void> {
    const before = await stateOf(paymentId);
    await act();
    expect(await stateOf(paymentId)).toEqual(before);
  }

  async function eventTypesOf(paymentId: string): Promise<string[]> {
    const rows = await home.query<{ type: string }>(`SELECT type FROM outbox WHERE aggregate_id = $1 ORDER BY seq`, [paymentId]);
    return rows.map((row) => row.type);
  }

  /** The service's own log lines written while `act` ran (the access log's `request` lines left out). */
  async function linesDuring(act: () => Promise<void>): Promise<LogLine[]> {
    const from = log.lines.length;
    await act();
    return log.lines.slice(from).filter((line) => line.msg !== 'request');
  }

  const send = (body: string, signature?: string) => api.receivePaymentCallback(body, signature);

  // ---------------------------------------------------------------- applied

  it('a valid success: 200 {received: true}, the payment SUCCEEDED, payment.succeeded.v1 in the outbox once, with the payment’s figures', async () => {
    const payment = await aStartedPayment(12_345);
    const body = callbackOf(payment);
    const response = await send(body, signatureOf(body));
    expect([response.status, await response.json()]).toEqual([200, { received: true }]);

    const seen = await api.payment(payment.customer, payment.paymentId);
    expect(seen).toMatchObject({ status: 'SUCCEEDED', amount: 12_345, settledAt: expect.any(String), failureReason: null });
    const rows = await home.query<{ type: string; payload: string | PaymentSucceededV1 }>(`SELECT type, payload FROM outbox WHERE aggregate_id = $1`, [
      payment.paymentId,
    ]);
    const events = rows.map((row) => ({
      type: row.type,
      payload: typeof row.payload === 'string' ? (JSON.parse(row.payload) as PaymentSucceededV1) : row.payload,
    }));
    expect(events).toEqual([
      {
        type: 'payment.succeeded.v1',
        payload: { paymentId: payment.paymentId, orderId: payment.orderId, userId: payment.customer.userId, amount: 12_345, succeededAt: seen.settledAt },
      },
    ]);
    const [row] = await home.query<{ provider_payment_id: string }>(`SELECT provider_payment_id FROM payment WHERE payment_id = $1`, [payment.paymentId]);
    expect(row!.provider_payment_id).toBe(payment.providerPaymentId);
  });

  it('a valid failure: 200, the payment FAILED (DECLINED), payment.failed.v1 once; a success after it is still applied (the money moved), logged at warn', async () => {
    const payment = await aStartedPayment();
    const failure = callbackOf(payment, { type: 'payment.failed', failureReason: 'card declined' });
    expect((await send(failure, signatureOf(failure))).status).toBe(200);
    expect(await api.payment(payment.customer, payment.paymentId)).toMatchObject({ status: 'FAILED', failureReason: 'DECLINED' });
    expect(await eventTypesOf(payment.paymentId)).toEqual(['payment.failed.v1']);

    const success = callbackOf(payment);
    const lines = await linesDuring(async () => {
      expect((await send(success, signatureOf(success))).status).toBe(200);
    });
    expect(await api.payment(payment.customer, payment.paymentId)).toMatchObject({ status: 'SUCCEEDED' });
    expect(await eventTypesOf(payment.paymentId)).toEqual(['payment.failed.v1', 'payment.succeeded.v1']);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'warn', paymentId: payment.paymentId, msg: expect.stringMatching(/FAILED payment succeeded/) }),
    );
  });

  it('signed over the exact bytes sent, whatever their spacing and key order: the service never re-encodes before checking', async () => {
    const payment = await aStartedPayment();
    const parsed = JSON.parse(callbackOf(payment)) as Record<string, unknown>;
    const odd = `{\n  "currency" : "CNY",\t"amount":${payment.amount} ,\n${Object.entries(parsed)
      .filter(([key]) => key !== 'currency' && key !== 'amount')
      .map(([key, value]) => `"${key}":   ${JSON.stringify(value)}`)
      .join(' ,\r\n')}\n}`;
    expect((await send(odd, signatureOf(odd))).status).toBe(200);
    expect((await api.payment(payment.customer, payment.paymentId)).status).toBe('SUCCEEDED');
  });

  it('any one of several v1 signatures may match (a provider rolling its secret signs with both)', async () => {
    const payment = await aStartedPayment();
    const body = callbackOf(payment);
    const at = nowS();
    const old = signatureOf(body, { at, secret: 'the-providers-old-secret-of-32-bytes-and-more' }).split(',')[1];
    const header = `t=${at},${old},${signatureOf(body, { at }).split(',')[1]}`;
    expect((await send(body, header)).status).toBe(200);
    expect((await api.payment(payment.customer, payment.paymentId)).status).toBe('SUCCEEDED');
  });

  it.each([
    ['four minutes old', -4 * 60],
    ['four minutes ahead (a provider clock running fast)', 4 * 60],
  ])('a callback signed %s is inside the window: applied', async (_case, offsetS) => {
    const payment = await aStartedPayment();
    const body = callbackOf(payment);
    expect((await send(body, signatureOf(body, { at: nowS() + offsetS }))).status).toBe(200);
    expect((await api.payment(payment.customer, payment.paymentId)).status).toBe('SUCCEEDED');
  });

  // ---------------------------------------------------------------- absorbed

  it('a duplicate (the same callback again, or the same news under a new event id): 200, nothing changes, logged as a repeat', async () => {
    const payment = await aStartedPayment();
    const body = callbackOf(payment);
    const signature = signatureOf(body);
    expect((await send(body, signature)).status).toBe(200);
    const lines = await linesDuring(() =>
      expectNothingChanged(payment.paymentId, async () => {
        const again = await send(body, signature);
        expect([again.status, await again.json()]).toEqual([200, { received: true }]);
        const anew = callbackOf(payment);
        expect((await send(anew, signatureOf(anew))).status).toBe(200);
      }),
    );
    expect(await eventTypesOf(payment.paymentId)).toEqual(['payment.succeeded.v1']);
    expect(lines.filter((line) => line['paymentId'] === payment.paymentId)).toEqual([
      expect.objectContaining({ level: 'info', outcome: 'duplicate', msg: expect.stringMatching(/repeated or late/) }),
      expect.objectContaining({ level: 'info', outcome: 'duplicate', msg: expect.stringMatching(/repeated or late/) }),
    ]);
  });

  it('a failure after the success (late, out of order): 200, nothing changes', async () => {
    const payment = await aStartedPayment();
    const success = callbackOf(payment);
    expect((await send(success, signatureOf(success))).status).toBe(200);
    await expectNothingChanged(payment.paymentId, async () => {
      const failure = callbackOf(payment, { type: 'payment.failed', failureReason: 'timed out' });
      expect((await send(failure, signatureOf(failure))).status).toBe(200);
    });
    expect((await api.payment(payment.customer, payment.paymentId)).status).toBe('SUCCEEDED');
  });

  it('late after the order was cancelled: the money moved, so the success is applied (200, payment.succeeded.v1) and the order context refunds it', async () => {
    const payment = await aStartedPayment();
    await home.deliver(orderCancelled(payment.orderId, payment.customer.userId, 'PAYMENT_TIMEOUT'));
    const body = callbackOf(payment);
    expect((await send(body, signatureOf(body))).status).toBe(200);
    expect((await api.payment(payment.customer, payment.paymentId)).status).toBe('SUCCEEDED');
    expect(await eventTypesOf(payment.paymentId)).toEqual(['payment.succeeded.v1']);
    // The order stays closed here: no new attempt may start.
    await expectProblem(await api.createPayment(payment.customer, { orderId: payment.orderId }), 409, 'NOT_PAYABLE');
  });

  // ---------------------------------------------------------------- refused

  describe('refused before anything is read (401 INVALID_SIGNATURE, the same answer whatever the reason, logged at warn with it)', () => {
    const cases: Array<[string, (body: string) => { body: string; signature: string | undefined }, string]> = [
      ['no signature', (body) => ({ body, signature: undefined }), 'MISSING'],
      ['a blank signature', (body) => ({ body, signature: '  ' }), 'MISSING'],
      ['a signature that is no t=…,v1=…', (body) => ({ body, signature: 'sha256=deadbeef' }), 'MALFORMED'],
      ['a timestamp that is no number', (body) => ({ body, signature: signatureOf(body).replace(/^t=\d+/, 't=soon') }), 'MALFORMED'],
      ['two timestamps', (body) => ({ body, signature: `t=${nowS()},${signatureOf(body)}` }), 'MALFORMED'],
      [
        'forged: signed with another secret',
        (body) => ({ body, signature: signatureOf(body, { secret: 'an-attackers-guess-of-the-secret-32-bytes' }) }),
        'MISMATCH',
      ],
      ['a v1 cut short', (body) => ({ body, signature: signatureOf(body).slice(0, -2) }), 'MISMATCH'],
      ['stale: signed six minutes ago (a replay)', (body) => ({ body, signature: signatureOf(body, { at: nowS() - WINDOW_S - 60 }) }), 'STALE'],
      ['from the future: signed six minutes ahead', (body) => ({ body, signature: signatureOf(body, { at: nowS() + WINDOW_S + 60 }) }), 'STALE'],
      [
        'a signature over other bytes than sent (the same JSON, re-spaced)',
        (body) => ({ body: JSON.stringify(JSON.parse(body), null, 2), signature: signatureOf(body) }),
        'MISMATCH',
      ],
      [
        'a signature over other bytes than sent (another amount)',
        (body) => ({ body: body.replace(/"amount":\d+/, '"amount":1'), signature: signatureOf(body) }),
        'MISMATCH',
      ],
      [
        'a valid signature moved to another timestamp',
        (body) => ({ body, signature: signatureOf(body).replace(/^t=(\d+)/, (_m, t: string) => `t=${Number(t) - 1}`) }),
        'MISMATCH',
      ],
      ['forged and off the contract besides', () => ({ body: '{"paid":true}', signature: signatureOf('{"paid":false}') }), 'MISMATCH'],
    ];

    it.each(cases)('%s', async (_case, forge, reason) => {
      const payment = await aStartedPayment();
      const { body, signature } = forge(callbackOf(payment));
      let problem: unknown;
      const lines = await linesDuring(() =>
        expectNothingChanged(payment.paymentId, async () => {
          const response = await send(body, signature);
          problem = await problemOf(response);
          expect([response.status, (problem as { code: string }).code]).toEqual([401, 'INVALID_SIGNATURE']);
        }),
      );
      expect((await api.payment(payment.customer, payment.paymentId)).status).toBe('PENDING');
      expect(lines).toEqual([expect.objectContaining({ level: 'warn', reason, msg: expect.stringMatching(/signature/) })]);
      // Nothing of the unverified body, nor the signature, goes to the log.
      expect(JSON.stringify(lines)).not.toContain(payment.providerPaymentId);
      // The sender learns that it was refused, not why.
      const { correlationId: _id, ...answer } = problem as Record<string, unknown>;
      expect(answer).toEqual({
        type: expect.any(String),
        title: expect.any(String),
        status: 401,
        code: 'INVALID_SIGNATURE',
        detail: expect.any(String),
        instance: '/payments/callback',
      });
      expect(String(answer['detail'])).not.toMatch(/MISSING|MALFORMED|STALE|MISMATCH/);
    });
  });

  it.each<[string, Partial<Record<keyof ProviderCallback, unknown>>]>([
    ['another amount', { amount: 1 }],
    ['no amount taken (0, a charge that never opened)', { amount: 0 }],
    ['another currency', { currency: 'USD' }],
  ])(
    'a signed failure naming %s is applied all the same: 200, FAILED (DECLINED), payment.failed.v1 (no money moved: its state alone decides)',
    async (_case, change) => {
      const payment = await aStartedPayment(8_000);
      const body = callbackOf(payment, { type: 'payment.failed', failureReason: 'card declined', ...change });
      const response = await send(body, signatureOf(body));
      expect([response.status, await response.json()]).toEqual([200, { received: true }]);
      expect(await api.payment(payment.customer, payment.paymentId)).toMatchObject({ status: 'FAILED', failureReason: 'DECLINED' });
      expect(await eventTypesOf(payment.paymentId)).toEqual(['payment.failed.v1']);
    },
  );

  it.each<[string, Partial<Record<keyof ProviderCallback, unknown>>, number, string]>([
    ['another amount', { amount: 7_999 }, 422, 'AMOUNT_MISMATCH'],
    ['another currency', { currency: 'USD' }, 422, 'CURRENCY_MISMATCH'],
  ])('signed, but %s than the payment’s: 422 with its code, nothing changes, logged at error with both', async (_case, change, status, code) => {
    const payment = await aStartedPayment(8_000);
    const body = callbackOf(payment, change);
    const lines = await linesDuring(() =>
      expectNothingChanged(payment.paymentId, async () => {
        await expectProblem(await send(body, signatureOf(body)), status, code);
      }),
    );
    expect((await api.payment(payment.customer, payment.paymentId)).status).toBe('PENDING');
    expect(lines).toEqual([
      expect.objectContaining({ level: 'error', code, paymentId: payment.paymentId, expected: expect.anything(), received: expect.anything() }),
    ]);
  });

  it('signed, for a payment never started here: 404 PAYMENT_NOT_FOUND (the provider sends it again, someone looks), nothing stored', async () => {
    const payment = await aStartedPayment();
    const stranger = { ...payment, paymentId: randomUUID() };
    const body = callbackOf(stranger);
    const lines = await linesDuring(() =>
      expectNothingChanged(payment.paymentId, async () => {
        await expectProblem(await send(body, signatureOf(body)), 404, 'PAYMENT_NOT_FOUND');
      }),
    );
    expect(await home.count('payment', 'payment_id = $1', [stranger.paymentId])).toBe(0);
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', paymentId: stranger.paymentId })]);
  });

  it.each<[string, (payment: StartedPayment) => string]>([
    ['an empty object', () => '{}'],
    ['an array', () => '[]'],
    ['an amount as text', (payment) => callbackOf(payment, { amount: String(payment.amount) })],
    ['an unknown type', (payment) => callbackOf(payment, { type: 'payment.refunded' })],
    ['an unknown field', (payment) => callbackOf(payment, { note: 'hi' } as never)],
    ['a payment id that is no UUID', (payment) => callbackOf(payment, { paymentId: 'pay-1' })],
    ['a lower-case currency', (payment) => callbackOf(payment, { currency: 'cny' })],
  ])('malformed but signed (%s): 400 INVALID_PAYMENT_CALLBACK, nothing changes', async (_case, bodyOf) => {
    const payment = await aStartedPayment();
    const body = bodyOf(payment);
    await expectNothingChanged(payment.paymentId, async () => {
      await expectProblem(await send(body, signatureOf(body)), 400, 'INVALID_PAYMENT_CALLBACK');
    });
  });
});

describe('a provider that never calls back, on PostgreSQL', () => {
  const cleanups = new Cleanups();
  let home: PaymentServiceHome;
  let api: PaymentApi;

  beforeAll(async () => {
    home = await PaymentServiceHome.create('postgres+amqp', cleanups);
    // Every PENDING payment is asked about at once, every 100 ms.
    ({ api } = await home.start(testPaymentConfig({ PAYMENT_RECONCILE_AFTER: '0', PAYMENT_RECONCILE_INTERVAL: '100ms' })));
  }, 120_000);
  afterAll(() => cleanups.run());

  it.each<[string, 'success' | 'failure', Partial<PaymentView>, string]>([
    ['paid at the provider', 'success', { status: 'SUCCEEDED', failureReason: null }, 'payment.succeeded.v1'],
    ['declined at the provider', 'failure', { status: 'FAILED', failureReason: 'DECLINED' }, 'payment.failed.v1'],
  ])('%s: reconciliation asks the provider and settles the payment, its event written once', async (_case, outcome, settledAs, event) => {
    const customer = aCustomer();
    const awaiting = orderAwaitingPayment({ userId: customer.userId, payable: 4_200 });
    await home.deliver(awaiting);
    const payment = await api.pay(customer, awaiting.payload.orderId);
    await api.simulate(customer, payment.paymentId, { outcome, callback: 'withhold' });

    const settled = await waitFor(
      async () => {
        const seen = await api.payment(customer, payment.paymentId);
        return seen.status === 'PENDING' ? undefined : seen;
      },
      { what: 'reconciliation to settle the payment' },
    );
    expect(settled).toMatchObject(settledAs);
    // A later run of the job (one that started after the settlement) finds nothing more to do about it.
    const settledAtMs = Date.now();
    const before = await home.query(`SELECT * FROM payment WHERE payment_id = $1`, [payment.paymentId]);
    await waitFor(
      async () => {
        const [job] = await home.query<{ last_success_at: string | null }>(
          `SELECT last_success_at FROM scheduled_job WHERE name = 'payment.reconcile-pending'`,
        );
        return job?.last_success_at != null && Number(job.last_success_at) > settledAtMs + 200;
      },
      { what: 'a later run of payment.reconcile-pending' },
    );
    expect(await home.query(`SELECT * FROM payment WHERE payment_id = $1`, [payment.paymentId])).toEqual(before);
    const types = await home.query<{ type: string }>(`SELECT type FROM outbox WHERE aggregate_id = $1`, [payment.paymentId]);
    expect(types.map((row) => row.type)).toEqual([event]);
  });
});
