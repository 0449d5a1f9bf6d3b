import { MAX_FEN } from '@shop/shared-kernel';
import Type, { type Static } from 'typebox';
import type { HttpRouteDefinition } from '../http-route.js';
import { PAGED_HEADERS, PAGED_SUMMARY, badListQuery, pagedListQuery } from '../paging.js';
import { PAYMENT_FAILURE_REASONS } from './payment.events.js';

/**
 * The payment routes of the HTTP contract (DESIGN.md section 7): paying for an order, the sandbox's
 * settlement, the provider's signed callback, and the admins' view of payments and refunds. Each `title`
 * names the OpenAPI component. Money is integer fen, always in `PAYMENT_CURRENCY`; instants are ISO date-times.
 */

const uuid = () => Type.String({ format: 'uuid' });
const instant = () => Type.String({ format: 'date-time' });
const fen = () => Type.Integer({ minimum: 0, maximum: MAX_FEN });
const orNull = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

/** Every payment is in yuan (amounts in fen). */
export const PAYMENT_CURRENCY = 'CNY';

/**
 * A payment's life: PENDING at the provider, then SUCCEEDED or FAILED; a succeeded one is REFUNDING once
 * the order asks for its money back, REFUNDED once the provider gave it back.
 */
export const PAYMENT_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED', 'REFUNDING', 'REFUNDED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** The request header the provider signs its callback with: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` (one or more `v1=`). */
export const PAYMENT_SIGNATURE_HEADER = 'payment-signature';

/** Pay for one of your orders awaiting payment: its payable amount is the order's, never the client's. */
export const CreatePaymentRequest = Type.Object({ orderId: uuid() }, { title: 'CreatePaymentRequest', additionalProperties: false });
export type CreatePaymentRequest = Static<typeof CreatePaymentRequest>;

/** A refund under way or done: the order asked for it (`reason`), the provider is tried until it gives the money back. */
export const PaymentRefundView = Type.Object(
  {
    /** The order's reason (`CUSTOMER_REQUEST`, `LATE_PAYMENT`, `DUPLICATE_PAYMENT`, `AMOUNT_MISMATCH`). */
    reason: Type.String(),
    requestedAt: instant(),
    /** Tries of the provider that did not refund (refused or unreachable). */
    attempts: Type.Integer({ minimum: 0 }),
    lastError: orNull(Type.String()),
    /** When the next try is due; null once refunded. */
    nextAttemptAt: orNull(instant()),
    refundedAt: orNull(instant()),
  },
  { title: 'PaymentRefundView' },
);
export type PaymentRefundView = Static<typeof PaymentRefundView>;

const paymentViewProperties = {
  paymentId: uuid(),
  orderId: uuid(),
  amount: fen(),
  currency: Type.Literal(PAYMENT_CURRENCY),
  status: Type.Enum(PAYMENT_STATUSES),
  /** The provider that takes the payment (`sandbox`, …), `none` for an order with nothing left to pay. */
  provider: Type.String(),
  createdAt: instant(),
  /** When it succeeded or failed; null while PENDING. */
  settledAt: orNull(instant()),
  failureReason: orNull(Type.Enum(PAYMENT_FAILURE_REASONS)),
  refund: orNull(PaymentRefundView),
};

/** One payment of an order, as its payer sees it. */
export const PaymentView = Type.Object(paymentViewProperties, { title: 'PaymentView' });
export type PaymentView = Static<typeof PaymentView>;

/** One payment, as an admin sees it: whose it is besides. */
export const AdminPaymentView = Type.Object({ ...paymentViewProperties, userId: uuid() }, { title: 'AdminPaymentView' });
export type AdminPaymentView = Static<typeof AdminPaymentView>;

export const AdminPaymentPage = Type.Array(AdminPaymentView, { title: 'AdminPaymentPage' });
export type AdminPaymentPage = Static<typeof AdminPaymentPage>;

/**
 * The sandbox provider's settlement of a PENDING payment (the built-in stand-in for a real provider), or
 * the same outcome again for a settled one (it re-sends the callback, or changes `refunds`):
 * `outcome` what the customer did at the provider; `callback` `withhold` settles it without calling back
 * (reconciliation then finds it), `send` when omitted; `refunds` `refuse` makes the provider refuse its
 * refunds (they are retried), `accept` when omitted.
 */
export const SimulatePaymentRequest = Type.Object(
  {
    outcome: Type.Enum(['success', 'failure']),
    callback: Type.Optional(Type.Enum(['send', 'withhold'])),
    refunds: Type.Optional(Type.Enum(['accept', 'refuse'])),
  },
  { title: 'SimulatePaymentRequest', additionalProperties: false },
);
export type SimulatePaymentRequest = Static<typeof SimulatePaymentRequest>;

/** What the sandbox was told (the defaults filled in): the callback follows the answer, when sent. */
export const SandboxSimulation = Type.Object(
  {
    paymentId: uuid(),
    outcome: Type.Enum(['success', 'failure']),
    callback: Type.Enum(['send', 'withhold']),
    refunds: Type.Enum(['accept', 'refuse']),
  },
  { title: 'SandboxSimulation' },
);
export type SandboxSimulation = Static<typeof SandboxSimulation>;

/**
 * The provider's callback body, signed over its raw bytes (`PAYMENT_SIGNATURE_HEADER`): the sandbox sends
 * it as it is, a real provider's adapter maps its own to it. `paymentId` is ours (the provider's merchant
 * reference); the amount and currency are checked against the payment before anything changes.
 */
export const ProviderCallback = Type.Object(
  {
    eventId: uuid(),
    type: Type.Enum(['payment.succeeded', 'payment.failed']),
    paymentId: uuid(),
    providerPaymentId: Type.String({ minLength: 1, maxLength: 200 }),
    amount: fen(),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    occurredAt: instant(),
    failureReason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { title: 'ProviderCallback', additionalProperties: false },
);
export type ProviderCallback = Static<typeof ProviderCallback>;

/** The provider's callback was taken (applied, or a duplicate that changed nothing): it need not send it again. */
export const CallbackReceipt = Type.Object({ received: Type.Literal(true) }, { title: 'CallbackReceipt' });
export type CallbackReceipt = Static<typeof CallbackReceipt>;

/** The longest page cursor this service gives (base64url of a payment's keys). */
const MAX_CURSOR_LENGTH = 200;

/** The most payments one admin page lists, and how many when `limit` is not given. */
export const PAYMENT_LIST_LIMIT = { max: 200, default: 50 } as const;

const pagedPayments = pagedListQuery('AdminPaymentsQuery', PAYMENT_LIST_LIMIT, MAX_CURSOR_LENGTH);

/** `cursor` and `limit` as every paged list; `status` keeps the payments in that status only (`REFUNDING`: the refunds still to be given back). */
export const AdminPaymentsQuery = Type.Object(
  { ...pagedPayments.properties, status: Type.Optional(Type.Enum(PAYMENT_STATUSES)) },
  { title: 'AdminPaymentsQuery', additionalProperties: false },
);
export type AdminPaymentsQuery = Static<typeof AdminPaymentsQuery>;

const INVALID_PAYMENT_ID = { description: '`VALIDATION_FAILED`: `paymentId` is not a UUID', problem: true } as const;
const PAYMENT_NOT_FOUND = { description: '`PAYMENT_NOT_FOUND`: no payment of yours has this id', problem: true } as const;
const ADMIN_PAYMENT_NOT_FOUND = { description: '`PAYMENT_NOT_FOUND`: no payment has this id', problem: true } as const;

/** The payment service's routes, by a name for its own code. */
export const PAYMENT_ROUTES = {
  createPayment: {
    operationId: 'createPayment',
    method: 'POST',
    path: '/payments',
    access: 'user',
    tag: 'payments',
    summary:
      'Start paying for one of your orders awaiting payment (its payable amount, in CNY); honours `Idempotency-Key`. Follow it with `GET /payments/{paymentId}`: the provider settles it',
    requestBody: CreatePaymentRequest,
    requestExample: { orderId: '9b2e7c1a-4f3d-4e8b-a6c5-1d0f2e3a4b5c' } satisfies CreatePaymentRequest,
    responses: {
      201: {
        description:
          'The payment: PENDING at the provider, or FAILED (`failureReason` `PROVIDER_ERROR`) when the provider refused it or did not answer in time; then start a new one, with a new `Idempotency-Key`',
        schema: PaymentView,
      },
      400: { description: '`VALIDATION_FAILED` (with `errors`): `orderId` missing or not a UUID, an unknown field', problem: true },
      404: {
        description:
          '`ORDER_NOT_FOUND`: no order of yours has this id (or the payment service has not heard of it within `PAYMENT_ORDER_ARRIVAL_WAIT`: the request waits that long for an order it has not heard of yet)',
        problem: true,
      },
      409: {
        description:
          '`NOT_PAYABLE`: the order is not awaiting payment (paid, cancelled, or past its payment deadline), or a payment of the order succeeded already; `PAYMENT_IN_PROGRESS`: a payment of the order is PENDING',
        problem: true,
      },
      422: { description: '`IDEMPOTENCY_KEY_REUSED`: the key was used for another request. No payment was started', problem: true },
    },
  },
  getPayment: {
    operationId: 'getPayment',
    method: 'GET',
    path: '/payments/{paymentId}',
    access: 'user',
    tag: 'payments',
    summary: 'One of your payments, with its status and any refund',
    responses: {
      200: { description: 'The payment', schema: PaymentView },
      400: INVALID_PAYMENT_ID,
      404: PAYMENT_NOT_FOUND,
    },
  },
  simulatePayment: {
    operationId: 'simulatePayment',
    method: 'POST',
    path: '/payments/{paymentId}/simulate',
    access: 'user',
    tag: 'payments',
    summary:
      "Sandbox only: settle one of your payments at the sandbox provider as the customer would (pay or fail), and choose whether it calls back and whether it refuses refunds. The provider's callback follows the answer",
    requestBody: SimulatePaymentRequest,
    requestExample: { outcome: 'success', callback: 'send' } satisfies SimulatePaymentRequest,
    responses: {
      202: { description: 'The sandbox settled the payment; its callback is on its way (unless withheld)', schema: SandboxSimulation },
      400: { description: '`VALIDATION_FAILED` (with `errors`): `paymentId` not a UUID, an outcome off the list, an unknown field', problem: true },
      404: { description: '`PAYMENT_NOT_FOUND`: no payment of yours has this id; `SANDBOX_DISABLED`: the sandbox provider is off', problem: true },
      409: {
        description: '`ALREADY_SETTLED`: the payment was settled the other way, or has no sandbox charge (settled free, or FAILED when it was created)',
        problem: true,
      },
    },
  },
  receivePaymentCallback: {
    operationId: 'receivePaymentCallback',
    method: 'POST',
    path: '/payments/callback',
    access: 'anonymous',
    tag: 'payments',
    summary:
      "For the payment provider: a payment's outcome, signed over the body's exact bytes with `Payment-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<body>\")>`, `t` within the payment service's tolerance of now either way (`PAYMENT_WEBHOOK_TOLERANCE`). A repeat changes nothing and is answered 200",
    requestBody: ProviderCallback,
    requestExample: {
      eventId: '5d4c3b2a-1f0e-4d9c-8b7a-6e5f4d3c2b1a',
      type: 'payment.succeeded',
      paymentId: 'c0ffee00-1234-4abc-8def-0123456789ab',
      providerPaymentId: 'sbx_pay_0001',
      amount: 19_000,
      currency: PAYMENT_CURRENCY,
      occurredAt: '2030-01-01T12:00:00.000Z',
    } satisfies ProviderCallback,
    signedBody: { headers: [PAYMENT_SIGNATURE_HEADER] },
    responses: {
      200: { description: 'Taken: applied, or a repeat that changed nothing', schema: CallbackReceipt },
      400: { description: '`INVALID_PAYMENT_CALLBACK`: correctly signed, but not a callback of the contract', problem: true },
      401: { description: '`INVALID_SIGNATURE`: the signature is missing, malformed, too old or too far ahead, or wrong; nothing was read', problem: true },
      404: { description: '`PAYMENT_NOT_FOUND`: no payment has this id (send it again later)', problem: true },
      422: { description: '`AMOUNT_MISMATCH` / `CURRENCY_MISMATCH`: not what the payment asked for; nothing changed', problem: true },
    },
  },
  listPaymentsForAdmin: {
    operationId: 'listPaymentsForAdmin',
    method: 'GET',
    path: '/admin/payments',
    access: 'admin',
    tag: 'payment-admin',
    summary: `Every payment, or those in one \`status\` (\`REFUNDING\`: refunds not given back yet, with their attempts and next try), newest first, ${PAGED_SUMMARY}`,
    query: AdminPaymentsQuery,
    responses: {
      200: { description: 'A page of payments, newest first', schema: AdminPaymentPage, headers: PAGED_HEADERS },
      400: badListQuery(PAYMENT_LIST_LIMIT),
    },
  },
  retryRefund: {
    operationId: 'retryRefund',
    method: 'POST',
    path: '/admin/payments/{paymentId}/retry-refund',
    access: 'admin',
    tag: 'payment-admin',
    summary: "Try a REFUNDING payment's refund again now, rather than at its next attempt",
    responses: {
      200: { description: 'The payment, its refund due now', schema: AdminPaymentView },
      400: INVALID_PAYMENT_ID,
      404: ADMIN_PAYMENT_NOT_FOUND,
      409: { description: '`NO_REFUND_PENDING`: the payment is not REFUNDING', problem: true },
    },
  },
} as const satisfies Record<string, HttpRouteDefinition>;
