import { randomUUID } from 'node:crypto';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { HTTP_ROUTES } from '../contexts.js';
import { schemaCheck } from '../schema-check.js';
import { bodySchemasOf, type HttpRouteDefinition } from '../http-route.js';
import { SAGA_STEP_RETRY_DELAYS_MS } from '../saga-retry.js';
import { retryDelaysOf, subscriptions } from '../subscriptions.js';
import { paymentContext } from './payment.context.js';
import type { PaymentFailureReason } from './payment.events.js';
import {
  AdminPaymentView,
  AdminPaymentsQuery,
  CallbackReceipt,
  CreatePaymentRequest,
  PAYMENT_CURRENCY,
  PAYMENT_LIST_LIMIT,
  PAYMENT_ROUTES,
  PAYMENT_SIGNATURE_HEADER,
  PAYMENT_STATUSES,
  PaymentRefundView,
  PaymentView,
  ProviderCallback,
  SandboxSimulation,
  SimulatePaymentRequest,
  type AdminPaymentPage,
  type PaymentStatus,
} from './payment.http.js';

describe('the payment context', () => {
  it('is named payment, on port 3005, with its two tags', () => {
    expect([paymentContext.name, paymentContext.port]).toEqual(['payment', 3005]);
    expect(paymentContext.tags).toEqual({ payments: 'Paying for orders', 'payment-admin': 'Payments and refunds, for admins' });
  });

  it('subscribes to the four order events it opens, closes and refunds payments on, retrying as long as the other saga participants', () => {
    expect(paymentContext.subscribes?.events.map((event) => event.type)).toEqual([
      'order.awaiting-payment.v1',
      'order.cancelled.v1',
      'order.paid.v1',
      'order.refund-requested.v1',
    ]);
    expect(paymentContext.subscribes?.retryDelaysMs).toBe(SAGA_STEP_RETRY_DELAYS_MS);
    expect(retryDelaysOf(subscriptions, 'payment')).toEqual(retryDelaysOf(subscriptions, 'order'));
  });
});

describe('the payment routes', () => {
  it('are the six of the contract: the payer’s three, the provider’s callback (anonymous), the admins’ two', () => {
    expect(paymentContext.routes.map((route) => `${route.access} ${route.method} ${route.path} ${route.operationId} ${route.tag}`)).toEqual([
      'user POST /payments createPayment payments',
      'user GET /payments/{paymentId} getPayment payments',
      'user POST /payments/{paymentId}/simulate simulatePayment payments',
      'anonymous POST /payments/callback receivePaymentCallback payments',
      'admin GET /admin/payments listPaymentsForAdmin payment-admin',
      'admin POST /admin/payments/{paymentId}/retry-refund retryRefund payment-admin',
    ]);
    expect(paymentContext.routes.every((route) => route.service === 'payment')).toBe(true);
    expect(HTTP_ROUTES.filter((route) => route.service === 'payment')).toEqual(paymentContext.routes);
  });

  it('answer with the statuses and problem codes of the contract', () => {
    const statuses = Object.fromEntries(Object.entries(PAYMENT_ROUTES).map(([name, route]) => [name, Object.keys(route.responses).join(' ')]));
    expect(statuses).toEqual({
      createPayment: '201 400 404 409 422',
      getPayment: '200 400 404',
      simulatePayment: '202 400 404 409',
      receivePaymentCallback: '200 400 401 404 422',
      listPaymentsForAdmin: '200 400',
      retryRefund: '200 400 404 409',
    });
    const described = (route: HttpRouteDefinition, status: number) => route.responses[status]?.description ?? '';
    expect(described(PAYMENT_ROUTES.createPayment, 404)).toContain('ORDER_NOT_FOUND');
    // An order on its way is waited for: a client retries a 404 only after that wait.
    expect(described(PAYMENT_ROUTES.createPayment, 404)).toContain('not heard of it within `PAYMENT_ORDER_ARRIVAL_WAIT`');
    for (const code of ['NOT_PAYABLE', 'PAYMENT_IN_PROGRESS']) expect(described(PAYMENT_ROUTES.createPayment, 409)).toContain(code);
    expect(described(PAYMENT_ROUTES.createPayment, 409)).toContain('a payment of the order succeeded already');
    // A provider that refuses or does not answer fails the attempt, answered with it: never a 5xx of the service.
    expect(described(PAYMENT_ROUTES.createPayment, 201)).toContain('FAILED (`failureReason` `PROVIDER_ERROR`)');
    expect(described(PAYMENT_ROUTES.createPayment, 422)).toContain('IDEMPOTENCY_KEY_REUSED');
    expect(PAYMENT_ROUTES.createPayment.summary).toContain('Idempotency-Key');
    expect(described(PAYMENT_ROUTES.getPayment, 404)).toContain('PAYMENT_NOT_FOUND');
    for (const code of ['PAYMENT_NOT_FOUND', 'SANDBOX_DISABLED']) expect(described(PAYMENT_ROUTES.simulatePayment, 404)).toContain(code);
    expect(described(PAYMENT_ROUTES.simulatePayment, 409)).toContain('ALREADY_SETTLED');
    // The replay window is the service's setting, not a figure of the contract.
    expect(PAYMENT_ROUTES.receivePaymentCallback.summary).toContain('PAYMENT_WEBHOOK_TOLERANCE');
    expect(PAYMENT_ROUTES.receivePaymentCallback.summary).not.toMatch(/five|minute|\b5 ?m/i);
    expect(described(PAYMENT_ROUTES.receivePaymentCallback, 400)).toContain('INVALID_PAYMENT_CALLBACK');
    expect(described(PAYMENT_ROUTES.receivePaymentCallback, 401)).toContain('INVALID_SIGNATURE');
    expect(described(PAYMENT_ROUTES.receivePaymentCallback, 404)).toContain('PAYMENT_NOT_FOUND');
    for (const code of ['AMOUNT_MISMATCH', 'CURRENCY_MISMATCH']) expect(described(PAYMENT_ROUTES.receivePaymentCallback, 422)).toContain(code);
    expect(described(PAYMENT_ROUTES.retryRefund, 409)).toContain('NO_REFUND_PENDING');
    for (const route of Object.values(PAYMENT_ROUTES))
      for (const [status, response] of Object.entries(route.responses))
        expect('problem' in response && response.problem, `${route.operationId} ${status}`).toBe(Number(status) >= 400 ? true : false);
  });

  it('speak the bodies of the contract', () => {
    expect(PAYMENT_ROUTES.createPayment.requestBody).toBe(CreatePaymentRequest);
    expect(PAYMENT_ROUTES.createPayment.responses[201].schema).toBe(PaymentView);
    expect(PAYMENT_ROUTES.getPayment.responses[200].schema).toBe(PaymentView);
    expect(PAYMENT_ROUTES.simulatePayment.requestBody).toBe(SimulatePaymentRequest);
    expect(PAYMENT_ROUTES.simulatePayment.responses[202].schema).toBe(SandboxSimulation);
    expect(PAYMENT_ROUTES.receivePaymentCallback.requestBody).toBe(ProviderCallback);
    expect(PAYMENT_ROUTES.receivePaymentCallback.responses[200].schema).toBe(CallbackReceipt);
    expect(PAYMENT_ROUTES.listPaymentsForAdmin.query).toBe(AdminPaymentsQuery);
    expect(Object.keys(PAYMENT_ROUTES.listPaymentsForAdmin.responses[200].headers)).toEqual(['next-cursor', 'link']);
    expect(PAYMENT_ROUTES.listPaymentsForAdmin.summary).toContain('rel="next"');
    expect(PAYMENT_ROUTES.retryRefund.responses[200].schema).toBe(AdminPaymentView);
  });

  it('sign the callback only: its body reaches the service as the provider sent it, with the signature header', () => {
    expect(PAYMENT_SIGNATURE_HEADER).toBe('payment-signature');
    const signed = paymentContext.routes.filter((route) => route.signedBody);
    expect(signed.map((route) => [route.operationId, route.signedBody])).toEqual([['receivePaymentCallback', { headers: ['payment-signature'] }]]);
    expect(PAYMENT_ROUTES.receivePaymentCallback.summary).toContain('Payment-Signature');
  });

  it('carry schemas that ajv compiles in strict mode', () => {
    for (const schema of paymentContext.routes.flatMap(bodySchemasOf)) expect(() => schemaCheck(schema), JSON.stringify(schema)).not.toThrow();
    expect(() => schemaCheck(AdminPaymentsQuery)).not.toThrow();
  });
});

describe('CreatePaymentRequest', () => {
  const create = schemaCheck(CreatePaymentRequest);

  it('names an order by its id, and nothing else: the amount is the order’s', () => {
    expect(create({ orderId: randomUUID() })).toBe(true);
    expect(create({})).toBe(false);
    expect(create({ orderId: 'order-1' })).toBe(false);
    expect(create({ orderId: randomUUID(), amount: 1 })).toBe(false);
    expect(create({ orderId: randomUUID(), currency: 'USD' })).toBe(false);
    expect(create({ orderId: randomUUID(), userId: randomUUID() })).toBe(false);
  });
});

describe('PaymentView and AdminPaymentView', () => {
  const view = schemaCheck(PaymentView);
  const adminView = schemaCheck(AdminPaymentView);
  const now = new Date().toISOString();
  const pending: PaymentView = {
    paymentId: randomUUID(),
    orderId: randomUUID(),
    amount: 8_000,
    currency: PAYMENT_CURRENCY,
    status: 'PENDING',
    provider: 'sandbox',
    createdAt: now,
    settledAt: null,
    failureReason: null,
    refund: null,
  };
  const refunding: PaymentView = {
    ...pending,
    status: 'REFUNDING',
    settledAt: now,
    refund: {
      reason: 'CUSTOMER_REQUEST',
      requestedAt: now,
      attempts: 2,
      lastError: 'provider refused: insufficient merchant balance',
      nextAttemptAt: now,
      refundedAt: null,
    },
  };

  it('show a payment from PENDING to REFUNDED, in CNY', () => {
    expect(PAYMENT_CURRENCY).toBe('CNY');
    expect(PAYMENT_STATUSES).toEqual(['PENDING', 'SUCCEEDED', 'FAILED', 'REFUNDING', 'REFUNDED']);
    expect(view(pending)).toBe(true);
    expect(view({ ...pending, status: 'SUCCEEDED', settledAt: now })).toBe(true);
    expect(view({ ...pending, amount: 0, provider: 'none', status: 'SUCCEEDED', settledAt: now })).toBe(true);
    for (const failureReason of ['DECLINED', 'EXPIRED', 'PROVIDER_ERROR'])
      expect(view({ ...pending, status: 'FAILED', settledAt: now, failureReason })).toBe(true);
    expect(view(refunding)).toBe(true);
    expect(view({ ...refunding, status: 'REFUNDED', refund: { ...refunding.refund!, nextAttemptAt: null, refundedAt: now } })).toBe(true);
  });

  it('refuse a status, a currency or a failure reason off the lists, an amount outside whole fen, and a missing field', () => {
    expect(view({ ...pending, status: 'CANCELLED' })).toBe(false);
    expect(view({ ...pending, currency: 'USD' })).toBe(false);
    expect(view({ ...pending, failureReason: 'STOLEN' })).toBe(false);
    expect(view({ ...pending, amount: -1 })).toBe(false);
    expect(view({ ...pending, amount: 0.5 })).toBe(false);
    expect(view({ ...pending, amount: 1_000_000_000_001 })).toBe(false);
    expect(view({ ...refunding, refund: { ...refunding.refund!, attempts: -1 } })).toBe(false);
    expect(view({ ...refunding, refund: { ...refunding.refund!, nextAttemptAt: 'soon' } })).toBe(false);
    for (const field of Object.keys(pending) as (keyof PaymentView)[]) {
      const { [field]: _dropped, ...without } = pending;
      expect(view(without), field).toBe(false);
    }
  });

  it('give admins whose payment it is besides', () => {
    expect(adminView({ ...refunding, userId: randomUUID() })).toBe(true);
    expect(adminView(refunding)).toBe(false);
    expect(adminView({ ...refunding, userId: 'u-1' })).toBe(false);
  });

  it('derive their static types from the schemas', () => {
    expectTypeOf<PaymentStatus>().toEqualTypeOf<'PENDING' | 'SUCCEEDED' | 'FAILED' | 'REFUNDING' | 'REFUNDED'>();
    expectTypeOf<PaymentView['failureReason']>().toEqualTypeOf<PaymentFailureReason | null>();
    expectTypeOf<PaymentView['currency']>().toEqualTypeOf<'CNY'>();
    expectTypeOf<PaymentView['refund']>().toEqualTypeOf<PaymentRefundView | null>();
    expectTypeOf<PaymentRefundView>().toEqualTypeOf<{
      reason: string;
      requestedAt: string;
      attempts: number;
      lastError: string | null;
      nextAttemptAt: string | null;
      refundedAt: string | null;
    }>();
    expectTypeOf<Omit<AdminPaymentView, 'userId'>>().toEqualTypeOf<PaymentView>();
    expectTypeOf<AdminPaymentView['userId']>().toEqualTypeOf<string>();
    expectTypeOf<AdminPaymentPage>().toEqualTypeOf<AdminPaymentView[]>();
  });
});

describe('SimulatePaymentRequest and SandboxSimulation', () => {
  const simulate = schemaCheck(SimulatePaymentRequest);
  const simulation = schemaCheck(SandboxSimulation);

  it('take an outcome, and optionally whether the callback is sent and whether refunds are refused', () => {
    expect(simulate({ outcome: 'success' })).toBe(true);
    expect(simulate({ outcome: 'failure', callback: 'withhold' })).toBe(true);
    expect(simulate({ outcome: 'success', callback: 'send', refunds: 'refuse' })).toBe(true);
    expect(simulate({})).toBe(false);
    expect(simulate({ outcome: 'paid' })).toBe(false);
    expect(simulate({ outcome: 'success', callback: 'later' })).toBe(false);
    expect(simulate({ outcome: 'success', refunds: 'never' })).toBe(false);
    expect(simulate({ outcome: 'success', amount: 1 })).toBe(false);
  });

  it('answer with every choice spelled out', () => {
    const answer: SandboxSimulation = { paymentId: randomUUID(), outcome: 'success', callback: 'send', refunds: 'accept' };
    expect(simulation(answer)).toBe(true);
    const { callback: _callback, ...withoutCallback } = answer;
    expect(simulation(withoutCallback)).toBe(false);
    expectTypeOf<SimulatePaymentRequest>().toEqualTypeOf<{ outcome: 'success' | 'failure'; callback?: 'send' | 'withhold'; refunds?: 'accept' | 'refuse' }>();
  });
});

describe('ProviderCallback', () => {
  const callback = schemaCheck(ProviderCallback);
  const succeeded: ProviderCallback = {
    eventId: randomUUID(),
    type: 'payment.succeeded',
    paymentId: randomUUID(),
    providerPaymentId: 'sbx_0f8e2a',
    amount: 8_000,
    currency: 'CNY',
    occurredAt: new Date().toISOString(),
  };

  it('takes a success or a failure (with its reason) of a payment, with the amount and currency the provider took', () => {
    expect(callback(succeeded)).toBe(true);
    expect(callback({ ...succeeded, type: 'payment.failed', failureReason: 'card declined' })).toBe(true);
    expect(callback({ ...succeeded, type: 'payment.failed' })).toBe(true);
    expect(callback({ ...succeeded, amount: 0 })).toBe(true);
    // Another currency is the contract's (the payment context answers CURRENCY_MISMATCH), not a malformed callback.
    expect(callback({ ...succeeded, currency: 'USD' })).toBe(true);
    expect(callback({ ...succeeded, providerPaymentId: 'x'.repeat(200), failureReason: 'x'.repeat(500) })).toBe(true);
  });

  it.each([
    ['an unknown type', { type: 'payment.refunded' }],
    ['a payment id that is no UUID', { paymentId: 'pay-1' }],
    ['an event id that is no UUID', { eventId: 'evt_1' }],
    ['an empty provider payment id', { providerPaymentId: '' }],
    ['a provider payment id over 200 characters', { providerPaymentId: 'x'.repeat(201) }],
    ['a negative amount', { amount: -1 }],
    ['a fractional amount', { amount: 80.5 }],
    ['an amount over a trillion fen', { amount: 1_000_000_000_001 }],
    ['an amount as text', { amount: '8000' }],
    ['a currency in lower case', { currency: 'cny' }],
    ['a currency of four letters', { currency: 'CNYX' }],
    ['an instant that is no date-time', { occurredAt: 'now' }],
    ['a failure reason over 500 characters', { failureReason: 'x'.repeat(501) }],
    ['an unknown field', { orderId: randomUUID() }],
  ])('refuses %s', (_case, change) => {
    expect(callback({ ...succeeded, ...change })).toBe(false);
  });

  it('refuses a missing field', () => {
    for (const field of Object.keys(succeeded) as (keyof ProviderCallback)[]) {
      const { [field]: _dropped, ...without } = succeeded;
      expect(callback(without), field).toBe(false);
    }
  });

  it('is acknowledged with received: true', () => {
    const receipt = schemaCheck(CallbackReceipt);
    expect(receipt({ received: true })).toBe(true);
    expect(receipt({ received: false })).toBe(false);
    expect(receipt({})).toBe(false);
  });
});

describe('AdminPaymentsQuery', () => {
  const query = schemaCheck(AdminPaymentsQuery);

  it('pages 1 to 200 payments (50 by default) and filters by one status', () => {
    expect(PAYMENT_LIST_LIMIT).toEqual({ max: 200, default: 50 });
    expect(query({})).toBe(true);
    for (const status of PAYMENT_STATUSES) expect(query({ status }), status).toBe(true);
    expect(query({ status: 'REFUNDING', cursor: 'MTIz', limit: '200' })).toBe(true);
    for (const limit of ['1', '50', '199']) expect(query({ limit }), limit).toBe(true);
  });

  it('refuses an unknown status, a limit outside 1-200, a malformed cursor and unknown parameters', () => {
    for (const status of ['refunding', 'CANCELLED', '', 'REFUNDING,FAILED']) expect(query({ status }), status).toBe(false);
    for (const limit of ['0', '201', '01', '-1', '']) expect(query({ limit }), limit).toBe(false);
    for (const cursor of ['', 'x'.repeat(201), 'a+b', "'; DROP TABLE payment; --"]) expect(query({ cursor }), cursor).toBe(false);
    expect(query({ userId: randomUUID() })).toBe(false);
  });

  it('is an object of string properties, as query strings are', () => {
    for (const [name, property] of Object.entries(AdminPaymentsQuery.properties)) {
      const { type, enum: choices } = property as { type?: string; enum?: unknown[] };
      expect(type === 'string' || choices?.every((choice) => typeof choice === 'string'), name).toBe(true);
    }
    expectTypeOf<AdminPaymentsQuery>().toEqualTypeOf<{ cursor?: string; limit?: string; status?: PaymentStatus }>();
  });
});
