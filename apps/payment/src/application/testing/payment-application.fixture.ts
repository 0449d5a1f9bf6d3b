import { ManualClock, newId, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { InMemoryEventOutbox, InMemoryUnitOfWork } from '@shop/testing';
import { PAYMENT_CURRENCY } from '../../domain/payment-status.js';
import { signPaymentCallback } from '../../domain/webhook-signature.js';
import { AttemptRefundHandler } from '../commands/attempt-refund/attempt-refund.handler.js';
import { ClosePaymentForOrderHandler } from '../commands/close-payment-for-order/close-payment-for-order.handler.js';
import { CreatePaymentHandler } from '../commands/create-payment/create-payment.handler.js';
import { OpenPaymentForOrderHandler } from '../commands/open-payment-for-order/open-payment-for-order.handler.js';
import { ReceiveProviderCallbackHandler } from '../commands/receive-provider-callback/receive-provider-callback.handler.js';
import { ReconcilePendingPaymentsHandler } from '../commands/reconcile-pending-payments/reconcile-pending-payments.handler.js';
import { RequestRefundHandler } from '../commands/request-refund/request-refund.handler.js';
import { RetryDueRefundsHandler } from '../commands/retry-due-refunds/retry-due-refunds.handler.js';
import { RetryRefundNowHandler } from '../commands/retry-refund-now/retry-refund-now.handler.js';
import { SimulatePaymentHandler } from '../commands/simulate-payment/simulate-payment.handler.js';
import type { PaymentRules } from '../payment.di-tokens.js';
import type { PayableOrderRepository } from '../ports/payable-order.repository.js';
import type { PaymentProvider } from '../ports/payment-provider.js';
import type { PaymentQueries } from '../ports/payment.queries.js';
import type { PaymentRepository } from '../ports/payment.repository.js';
import type { SandboxControl } from '../ports/sandbox-control.js';
import { GetPaymentHandler } from '../queries/get-payment/get-payment.handler.js';
import { ListPaymentsForAdminHandler } from '../queries/list-payments-for-admin/list-payments-for-admin.handler.js';
import { InMemoryPayableOrderRepository } from './in-memory-payable-order.repository.js';
import { InMemoryPaymentProvider } from './in-memory-payment-provider.js';
import { InMemoryPaymentQueries } from './in-memory-payment.queries.js';
import { InMemoryPaymentRepository } from './in-memory-payment.repository.js';

export const FIXTURE_NOW = new Date('2026-02-01T08:00:00.000Z');
export const FIXTURE_SECRET = 'whsec_fixture_0123456789abcdef0123456789';
/**
 * The service's defaults, the secret aside and no wait for an order not heard of yet (`orderArrivalWaitMs`
 * 0: ORDER_NOT_FOUND at once; the specs of the wait set it, in real milliseconds).
 */
export const FIXTURE_RULES: PaymentRules = {
  webhookSecret: FIXTURE_SECRET,
  webhookToleranceMs: 5 * 60_000,
  reconcileAfterMs: 2 * 60_000,
  pendingTimeoutMs: 20 * 60_000,
  refundBackoffMaxMs: 10 * 60_000,
  providerTimeoutMs: 3_000,
  orderArrivalWaitMs: 0,
  sandbox: true,
};
export const MINUTE = 60_000;

/** The ports every use case of the payment context needs, as the module wires them to the real adapters. */
export interface PaymentPorts {
  readonly unitOfWork: UnitOfWork;
  readonly payments: PaymentRepository;
  readonly orders: PayableOrderRepository;
  readonly queries: PaymentQueries;
  readonly provider: PaymentProvider;
  readonly sandbox: SandboxControl | null;
  readonly clock: Clock;
  readonly rules: PaymentRules;
}

/** Every use case of the payment context over the given ports. */
export function paymentHandlersOf(ports: PaymentPorts) {
  const { unitOfWork, payments, orders, provider, clock, rules } = ports;
  const attemptRefund = new AttemptRefundHandler(unitOfWork, payments, provider, clock, rules);
  return {
    createPayment: new CreatePaymentHandler(unitOfWork, payments, orders, provider, clock, rules),
    receiveProviderCallback: new ReceiveProviderCallbackHandler(unitOfWork, payments, clock, rules),
    simulatePayment: new SimulatePaymentHandler(payments, rules, ports.sandbox),
    openPaymentForOrder: new OpenPaymentForOrderHandler(unitOfWork, orders, payments, clock),
    closePaymentForOrder: new ClosePaymentForOrderHandler(unitOfWork, orders, clock),
    requestRefund: new RequestRefundHandler(unitOfWork, payments, clock, attemptRefund),
    attemptRefund,
    retryDueRefunds: new RetryDueRefundsHandler(payments, clock, attemptRefund),
    retryRefundNow: new RetryRefundNowHandler(unitOfWork, payments, clock),
    reconcilePending: new ReconcilePendingPaymentsHandler(unitOfWork, payments, orders, provider, clock, rules),
    getPayment: new GetPaymentHandler(ports.queries),
    listPaymentsForAdmin: new ListPaymentsForAdminHandler(ports.queries),
  };
}

export type PaymentHandlers = ReturnType<typeof paymentHandlersOf>;

/** A provider callback body as the sandbox sends it, with what a test changes. */
export interface CallbackBody {
  eventId: string;
  type: 'payment.succeeded' | 'payment.failed';
  paymentId: string;
  providerPaymentId: string;
  amount: number;
  currency: string;
  occurredAt: string;
  failureReason?: string;
}

/**
 * Every port of the payment context's use cases in memory, sharing one unit of work and outbox, an
 * in-memory provider (which is also the sandbox), and every handler built over them. The rules default to
 * the service's defaults.
 */
export function paymentApplicationFixture(options: { rules?: Partial<PaymentRules> } = {}) {
  const unitOfWork = new InMemoryUnitOfWork();
  const outbox = new InMemoryEventOutbox(unitOfWork);
  const payments = new InMemoryPaymentRepository(unitOfWork, outbox);
  const orders = new InMemoryPayableOrderRepository(unitOfWork);
  const queries = new InMemoryPaymentQueries(payments);
  const provider = new InMemoryPaymentProvider(unitOfWork);
  const clock = new ManualClock(FIXTURE_NOW);
  const rules: PaymentRules = { ...FIXTURE_RULES, ...options.rules };
  const handlers = paymentHandlersOf({ unitOfWork, payments, orders, queries, provider, sandbox: provider, clock, rules });

  /** An order awaiting payment of `payable` (12 000 fen unless told), heard of through its event; its payment due in 15 minutes. */
  const awaitingOrder = async (userId: string, options: { payable?: number; orderId?: string; dueInMs?: number } = {}): Promise<string> => {
    const orderId = options.orderId ?? newId();
    await handlers.openPaymentForOrder.execute({
      orderId,
      userId,
      payable: options.payable ?? 12_000,
      paymentDueAt: new Date(clock.now().getTime() + (options.dueInMs ?? 15 * MINUTE)),
    });
    return orderId;
  };

  /** An order awaiting payment and its payment started by its customer: PENDING at the provider. */
  const pendingPayment = async (userId: string, options: { payable?: number } = {}): Promise<{ orderId: string; paymentId: string; amount: number }> => {
    const orderId = await awaitingOrder(userId, options);
    const view = await handlers.createPayment.execute({ userId, orderId });
    return { orderId, paymentId: view.paymentId, amount: view.amount };
  };

  /** The callback body the provider would send for the payment (its stored amount and currency unless told). */
  const callbackBody = (paymentId: string, overrides: Partial<CallbackBody> = {}): CallbackBody => {
    const row = payments.rowOf(paymentId);
    return {
      eventId: newId(),
      type: 'payment.succeeded',
      paymentId,
      providerPaymentId: row?.providerPaymentId ?? 'sbx_unknown',
      amount: row?.amount ?? 12_000,
      currency: PAYMENT_CURRENCY,
      occurredAt: clock.now().toISOString(),
      ...overrides,
    };
  };

  /** `body` as the provider sends it: its JSON bytes and their signature now (or at `signedAtMs`, with `secret`). */
  const signed = (body: unknown, options: { signedAtMs?: number; secret?: string } = {}): { rawBody: Buffer; signature: string } => {
    const rawBody = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
    return { rawBody, signature: signPaymentCallback(options.secret ?? rules.webhookSecret, rawBody, options.signedAtMs ?? clock.now().getTime()) };
  };

  /** The provider's signed callback for the payment, received. */
  const callback = (paymentId: string, overrides: Partial<CallbackBody> = {}) =>
    handlers.receiveProviderCallback.execute(signed(callbackBody(paymentId, overrides)));

  /** A paid payment: started, paid at the provider, and its success called back. */
  const succeededPayment = async (userId: string, options: { payable?: number } = {}) => {
    const pending = await pendingPayment(userId, options);
    provider.settle(pending.paymentId, 'SUCCEEDED');
    await callback(pending.paymentId);
    return pending;
  };

  /** Delivers the callbacks the provider owes (signed now), oldest first; their results in order (an error as its code). */
  const deliverCallbacks = async (): Promise<string[]> => {
    const due = provider.reports;
    provider.reports = [];
    const results: string[] = [];
    for (const report of due) {
      try {
        results.push((await callback(report.paymentId, { type: report.type })).outcome);
      } catch (error) {
        results.push((error as { code?: string }).code ?? String(error));
      }
    }
    return results;
  };

  /** The types of the events announced, in order. */
  const eventTypes = (): string[] => outbox.events.map((event) => event.type);

  return {
    unitOfWork,
    outbox,
    payments,
    orders,
    queries,
    provider,
    clock,
    rules,
    handlers,
    awaitingOrder,
    pendingPayment,
    succeededPayment,
    callbackBody,
    signed,
    callback,
    deliverCallbacks,
    eventTypes,
  };
}

export type PaymentApplicationFixture = ReturnType<typeof paymentApplicationFixture>;
