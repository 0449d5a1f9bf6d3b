import { randomUUID } from 'node:crypto';
import {
  OrderAwaitingPaymentV1,
  OrderCancelledV1,
  OrderPaidV1,
  OrderRefundRequestedV1,
  PAYMENT_SIGNATURE_HEADER,
  type AdminPaymentView,
  type PaymentView,
  type SandboxSimulation,
  type SimulatePaymentRequest,
} from '@shop/contracts';
import type { Identity } from '@shop/http';
import { ContextApi, ContextServiceHome, anAdmin, envelopeOf, type ContextUnderTest, type RunningContextService, type Setup } from '@shop/runtime/testing';
import type { Cleanups } from '@shop/testing';
import { loadPaymentConfig, startPaymentService, type PaymentConfig } from '../../src/main.js';

export { SETUPS, aCustomer, anAdmin, envelopeOf, problemOf, type Problem, type RequestOptions, type Setup } from '@shop/runtime/testing';

export const INTERNAL_AUTH_SECRET = 'the-payment-tests-internal-secret-of-32-bytes';
/** `/metrics` answers only this bearer token (`METRICS_TOKEN`). */
export const METRICS_TOKEN = 'the-payment-tests-metrics-token';
/** `PAYMENT_WEBHOOK_SECRET` of the test instances: what a test signs its callbacks with. */
export const WEBHOOK_SECRET = 'the-payment-tests-webhook-secret-of-32-bytes';

/**
 * The service's configuration as its variables would give it, the sandbox on and `WEBHOOK_SECRET` set unless
 * `env` says otherwise, e.g. `testPaymentConfig({ PAYMENT_RECONCILE_AFTER: '0' })`.
 */
export function testPaymentConfig(env: NodeJS.ProcessEnv = {}): PaymentConfig {
  return loadPaymentConfig({ PAYMENT_SANDBOX: 'true', PAYMENT_WEBHOOK_SECRET: WEBHOOK_SECRET, ...env });
}

/** A started instance of the service, with its HTTP client. */
export type RunningPaymentService = RunningContextService<PaymentApi>;

/** `?cursor=…&limit=…&status=…` of the given ones, or ''. */
export function queryOf(page: { cursor?: string; limit?: number | string; status?: string } = {}): string {
  const parameters = new URLSearchParams();
  if (page.cursor !== undefined) parameters.set('cursor', page.cursor);
  if (page.limit !== undefined) parameters.set('limit', String(page.limit));
  if (page.status !== undefined) parameters.set('status', page.status);
  const query = parameters.toString();
  return query === '' ? '' : `?${query}`;
}

/**
 * Calls one payment instance over HTTP, either as the gateway forwards a call or straight past it. One
 * method per route of `PAYMENT_ROUTES` answering the raw response (named for the route's operationId), and
 * a few that read the answer and throw unless it is the expected success (`pay`, `payment`, `simulate`).
 * Admin routes default to a fresh admin identity.
 */
export class PaymentApi extends ContextApi {
  constructor(url: string) {
    super(url, 'payment', INTERNAL_AUTH_SECRET, METRICS_TOKEN);
  }

  /** POST /payments for `customer`, with an `Idempotency-Key` when given. */
  createPayment(customer: Identity, body: unknown, options: { idempotencyKey?: string } = {}): Promise<Response> {
    const headers = options.idempotencyKey === undefined ? undefined : { 'idempotency-key': options.idempotencyKey };
    return this.viaGateway('POST', '/payments', { identity: customer, body, headers });
  }

  /** GET /payments/{paymentId} for `customer`. */
  getPayment(customer: Identity, paymentId: string): Promise<Response> {
    return this.viaGateway('GET', `/payments/${paymentId}`, { identity: customer });
  }

  /** POST /payments/{paymentId}/simulate for `customer`. */
  simulatePayment(customer: Identity, paymentId: string, body: unknown): Promise<Response> {
    return this.viaGateway('POST', `/payments/${paymentId}/simulate`, { identity: customer, body });
  }

  /**
   * POST /payments/callback as the gateway forwards a provider's call (anonymous): `rawBody` byte for
   * byte, with the `Payment-Signature` header when given.
   */
  receivePaymentCallback(rawBody: string, signature?: string): Promise<Response> {
    const headers = signature === undefined ? undefined : { [PAYMENT_SIGNATURE_HEADER]: signature };
    return this.viaGateway('POST', '/payments/callback', { rawBody, headers });
  }

  /** GET /admin/payments with `query` as written (`?status=…&cursor=…&limit=…`, or ''). */
  listPaymentsForAdmin(query = '', admin: Identity = anAdmin()): Promise<Response> {
    return this.viaGateway('GET', `/admin/payments${query}`, { identity: admin });
  }

  /** POST /admin/payments/{paymentId}/retry-refund. */
  retryRefund(paymentId: string, admin: Identity = anAdmin()): Promise<Response> {
    return this.viaGateway('POST', `/admin/payments/${paymentId}/retry-refund`, { identity: admin });
  }

  /** Starts a payment of `orderId` for `customer`; throws unless 201. */
  async pay(customer: Identity, orderId: string, options: { idempotencyKey?: string } = {}): Promise<PaymentView> {
    return expectJson<PaymentView>(await this.createPayment(customer, { orderId }, options), 201, 'createPayment');
  }

  /** The payment as `customer` sees it; throws unless 200. */
  async payment(customer: Identity, paymentId: string): Promise<PaymentView> {
    return expectJson<PaymentView>(await this.getPayment(customer, paymentId), 200, 'getPayment');
  }

  /** Tells the sandbox how the payment went; throws unless 202 (the callback follows the answer). */
  async simulate(customer: Identity, paymentId: string, body: SimulatePaymentRequest): Promise<SandboxSimulation> {
    return expectJson<SandboxSimulation>(await this.simulatePayment(customer, paymentId, body), 202, 'simulatePayment');
  }

  /** One page of the admin list; throws unless 200. */
  async adminPayments(query = '', admin: Identity = anAdmin()): Promise<AdminPaymentView[]> {
    return expectJson<AdminPaymentView[]>(await this.listPaymentsForAdmin(query, admin), 200, 'listPaymentsForAdmin');
  }
}

async function expectJson<T>(response: Response, status: number, route: string): Promise<T> {
  if (response.status !== status) throw new Error(`${route} answered ${response.status}, not ${status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/** The order a test pays for: fresh ids, 8,000 fen, due in 15 minutes, unless told otherwise. */
export interface PayableOrderSpec {
  readonly orderId?: string;
  readonly userId?: string;
  readonly payable?: number;
  readonly paymentDueAt?: Date;
}

/** `order.awaiting-payment.v1` as the order context emits it (coupon and points left out: the payable is what counts). */
export function orderAwaitingPayment(spec: PayableOrderSpec = {}) {
  const orderId = spec.orderId ?? randomUUID();
  const userId = spec.userId ?? randomUUID();
  const payable = spec.payable ?? 8_000;
  const now = new Date();
  const payload: OrderAwaitingPaymentV1 = {
    orderId,
    userId,
    subtotal: payable,
    couponDiscount: 0,
    pointsUsed: 0,
    payable,
    paymentDueAt: (spec.paymentDueAt ?? new Date(now.getTime() + 15 * 60_000)).toISOString(),
    awaitingSince: now.toISOString(),
  };
  return envelopeOf(OrderAwaitingPaymentV1, payload, { aggregateId: orderId });
}

/** `order.cancelled.v1` of an order (by the payment deadline unless told otherwise). */
export function orderCancelled(orderId: string, userId: string, reason = 'PAYMENT_TIMEOUT') {
  return envelopeOf(
    OrderCancelledV1,
    { orderId, userId, couponId: null, pointsToUse: 0, reason, cancelledAt: new Date().toISOString() },
    { aggregateId: orderId },
  );
}

/** `order.paid.v1` of an order. */
export function orderPaid(orderId: string, userId: string, amountPaid: number) {
  return envelopeOf(OrderPaidV1, { orderId, userId, couponId: null, pointsToUse: 0, amountPaid, paidAt: new Date().toISOString() }, { aggregateId: orderId });
}

/** `order.refund-requested.v1` of a payment (the customer's request unless told otherwise); only the event's fields are taken from `payment`. */
export function refundRequested(
  payment: { paymentId: string; orderId: string; userId: string; amount: number },
  reason: OrderRefundRequestedV1['reason'] = 'CUSTOMER_REQUEST',
) {
  const { paymentId, orderId, userId, amount } = payment;
  return envelopeOf(OrderRefundRequestedV1, { paymentId, orderId, userId, amount, reason, requestedAt: new Date().toISOString() }, { aggregateId: orderId });
}

const PAYMENT: ContextUnderTest<PaymentConfig, PaymentApi> = {
  service: 'payment',
  start: startPaymentService,
  defaultConfig: () => testPaymentConfig(),
  api: (url) => new PaymentApi(url),
  internalAuthSecret: INTERNAL_AUTH_SECRET,
  metricsToken: METRICS_TOKEN,
};

/**
 * One payment service "deployment" for a test (`ContextServiceHome`): one database and one broker shared
 * by every instance started on them, its queue `payment.events`.
 *
 *     const home = await PaymentServiceHome.create('postgres+amqp', cleanups);
 *     const [a] = await home.startInstances(1, testPaymentConfig({ PAYMENT_RECONCILE_AFTER: '0' }));
 *     const events = await home.listen([PaymentSucceededV1.type, PaymentFailedV1.type]);
 *     const awaiting = orderAwaitingPayment({ payable: 8_000 });
 *     await home.deliver(awaiting); // the order is payable here now
 *     const payment = await a.api.pay(aCustomer(awaiting.payload.userId), awaiting.payload.orderId);
 *     await a.api.simulate(aCustomer(awaiting.payload.userId), payment.paymentId, { outcome: 'success' });
 *     await home.count('payment', `status = ${home.param(1)}`, ['SUCCEEDED']);
 */
export class PaymentServiceHome extends ContextServiceHome<PaymentConfig, PaymentApi> {
  static async create(setup: Setup, cleanups: Cleanups): Promise<PaymentServiceHome> {
    return new PaymentServiceHome(PAYMENT, await ContextServiceHome.place('payment', setup, cleanups), cleanups);
  }
}
