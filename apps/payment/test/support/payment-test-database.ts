import type { DatabaseKind, TransactionHost } from '@shop/persistence';
import { platformMigrations } from '@shop/runtime';
import { openServiceTestDatabase, serviceTestOutbox, type InstanceOptions, type ServiceTestDatabase } from '@shop/runtime/testing';
import { silentLogger, type Logger } from '@shop/observability';
import { ManualClock, type EventOutbox } from '@shop/shared-kernel';
import { AttemptRefundHandler } from '../../src/application/commands/attempt-refund/attempt-refund.handler.js';
import { ClosePaymentForOrderHandler } from '../../src/application/commands/close-payment-for-order/close-payment-for-order.handler.js';
import { CreatePaymentHandler } from '../../src/application/commands/create-payment/create-payment.handler.js';
import { OpenPaymentForOrderHandler } from '../../src/application/commands/open-payment-for-order/open-payment-for-order.handler.js';
import { ReceiveProviderCallbackHandler } from '../../src/application/commands/receive-provider-callback/receive-provider-callback.handler.js';
import { ReconcilePendingPaymentsHandler } from '../../src/application/commands/reconcile-pending-payments/reconcile-pending-payments.handler.js';
import { RequestRefundHandler } from '../../src/application/commands/request-refund/request-refund.handler.js';
import { RetryDueRefundsHandler } from '../../src/application/commands/retry-due-refunds/retry-due-refunds.handler.js';
import { RetryRefundNowHandler } from '../../src/application/commands/retry-refund-now/retry-refund-now.handler.js';
import { SimulatePaymentHandler } from '../../src/application/commands/simulate-payment/simulate-payment.handler.js';
import type { PaymentRules } from '../../src/application/payment.di-tokens.js';
import type { Cleanups } from '@shop/testing';
import { paymentMigrations } from '../../src/infrastructure/migrations/index.js';
import { SqlPaymentQueries } from '../../src/infrastructure/persistence/sql-payment-queries.js';
import { TypeOrmPayableOrderRepository } from '../../src/infrastructure/persistence/typeorm-payable-order.repository.js';
import { TypeOrmPaymentRepository } from '../../src/infrastructure/persistence/typeorm-payment.repository.js';
import { InProcessSandboxCallbackDelivery } from '../../src/infrastructure/sandbox/in-process-sandbox-callback.delivery.js';
import type { SandboxCallbackDelivery } from '../../src/infrastructure/sandbox/sandbox-callback.delivery.js';
import { SandboxPaymentProvider } from '../../src/infrastructure/sandbox/sandbox-payment.provider.js';
import { testPaymentConfig, WEBHOOK_SECRET } from './payment-service-harness.js';
import { paymentRulesOf } from '../../src/infrastructure/payment.config.js';

export { KINDS, type InstanceOptions } from '@shop/runtime/testing';

/** The migrations the payment service runs, in its order: the platform's (it has jobs and `Idempotency-Key`), then its own. */
export const PAYMENT_SERVICE_MIGRATIONS = [...platformMigrations({ scheduler: true, idempotency: true }), ...paymentMigrations];

export type PaymentDatabase = ServiceTestDatabase;

/** A fresh database of the payment service with the service's migrations applied (`openServiceTestDatabase`), in memory on SQLite. */
export function openPaymentDatabase(kind: DatabaseKind, cleanups: Cleanups, options: InstanceOptions = {}): Promise<PaymentDatabase> {
  return openServiceTestDatabase('payment', kind, cleanups, { ...options, migrations: PAYMENT_SERVICE_MIGRATIONS });
}

/** The real adapters of the persistence ports on one instance's database, as the composition root wires them. */
export function paymentAdapters(transactions: TransactionHost, parts: { outbox?: EventOutbox } = {}) {
  const outbox = parts.outbox ?? serviceTestOutbox('payment', transactions);
  return {
    transactions,
    outbox,
    payments: new TypeOrmPaymentRepository(transactions, outbox),
    payableOrders: new TypeOrmPayableOrderRepository(transactions),
    queries: new SqlPaymentQueries(transactions),
  };
}

export type PaymentAdapters = ReturnType<typeof paymentAdapters>;

export interface PaymentApplicationOptions {
  readonly outbox?: EventOutbox;
  /** The clock of the use cases and the sandbox (a `ManualClock` at the real time by default). */
  readonly clock?: ManualClock;
  /** Over the rules the service's defaults give (`testPaymentConfig()`). */
  readonly rules?: Partial<PaymentRules>;
  /** How the sandbox's callbacks travel: in-process to the callback use case unless told otherwise. */
  readonly delivery?: SandboxCallbackDelivery;
  /** The sandbox signs its callbacks with it (`WEBHOOK_SECRET`, the one the use case checks, unless told otherwise). */
  readonly sandboxSecret?: string;
  readonly sandboxRetryDelaysMs?: readonly number[];
  /** How long the sandbox's stop waits for its callbacks on their way. */
  readonly sandboxStopGraceMs?: number;
  readonly logger?: Logger;
}

/**
 * The payment context's use cases over the real adapters of one instance's database and the real sandbox
 * provider, wired as the composition root wires them (without Nest, HTTP or the broker). Stop the
 * sandbox's background callbacks with `sandbox.onApplicationShutdown()` (added to `cleanups`).
 */
export function paymentApplication(transactions: TransactionHost, cleanups: Cleanups, options: PaymentApplicationOptions = {}) {
  const adapters = paymentAdapters(transactions, { outbox: options.outbox });
  const clock = options.clock ?? new ManualClock(new Date());
  const config = testPaymentConfig();
  const rules: PaymentRules = { ...paymentRulesOf(config), sandbox: true, ...options.rules };
  const { payments, payableOrders } = adapters;
  const receiveCallback = new ReceiveProviderCallbackHandler(transactions, payments, clock, rules);
  const delivery = options.delivery ?? new InProcessSandboxCallbackDelivery(receiveCallback);
  const sandbox = new SandboxPaymentProvider(transactions, delivery, clock, options.logger ?? silentLogger(), {
    webhookSecret: options.sandboxSecret ?? WEBHOOK_SECRET,
    retryDelaysMs: options.sandboxRetryDelaysMs,
    stopGraceMs: options.sandboxStopGraceMs,
  });
  cleanups.add(() => sandbox.onApplicationShutdown());
  const attemptRefund = new AttemptRefundHandler(transactions, payments, sandbox, clock, rules);
  return {
    ...adapters,
    clock,
    rules,
    sandbox,
    delivery,
    receiveCallback,
    attemptRefund,
    createPayment: new CreatePaymentHandler(transactions, payments, payableOrders, sandbox, clock, rules),
    simulate: new SimulatePaymentHandler(payments, rules, sandbox),
    openPayment: new OpenPaymentForOrderHandler(transactions, payableOrders, payments, clock),
    closePayment: new ClosePaymentForOrderHandler(transactions, payableOrders, clock),
    reconcile: new ReconcilePendingPaymentsHandler(transactions, payments, payableOrders, sandbox, clock, rules),
    requestRefund: new RequestRefundHandler(transactions, payments, clock, attemptRefund),
    retryDueRefunds: new RetryDueRefundsHandler(payments, clock, attemptRefund),
    retryRefundNow: new RetryRefundNowHandler(transactions, payments, clock),
  };
}

export type PaymentApplication = ReturnType<typeof paymentApplication>;

export { outboxRows, type OutboxRow } from '@shop/testing';
