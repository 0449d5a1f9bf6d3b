import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { LOGGER, type Logger } from '@shop/observability';
import { TransactionHost } from '@shop/persistence';
import { contextModule, type ServiceRuntime } from '@shop/runtime';
import { EVENT_OUTBOX, systemClock, type Clock, type EventOutbox } from '@shop/shared-kernel';
import { AttemptRefundHandler } from './application/commands/attempt-refund/attempt-refund.handler.js';
import { ClosePaymentForOrderHandler } from './application/commands/close-payment-for-order/close-payment-for-order.handler.js';
import { CreatePaymentHandler } from './application/commands/create-payment/create-payment.handler.js';
import { OpenPaymentForOrderHandler } from './application/commands/open-payment-for-order/open-payment-for-order.handler.js';
import { ReceiveProviderCallbackHandler } from './application/commands/receive-provider-callback/receive-provider-callback.handler.js';
import { ReconcilePendingPaymentsHandler } from './application/commands/reconcile-pending-payments/reconcile-pending-payments.handler.js';
import { RequestRefundHandler } from './application/commands/request-refund/request-refund.handler.js';
import { RetryDueRefundsHandler } from './application/commands/retry-due-refunds/retry-due-refunds.handler.js';
import { RetryRefundNowHandler } from './application/commands/retry-refund-now/retry-refund-now.handler.js';
import { SimulatePaymentHandler } from './application/commands/simulate-payment/simulate-payment.handler.js';
import {
  PAYABLE_ORDER_REPOSITORY,
  PAYMENT_CLOCK,
  PAYMENT_PROVIDER,
  PAYMENT_QUERIES,
  PAYMENT_REPOSITORY,
  PAYMENT_RULES,
  SANDBOX_CONTROL,
} from './application/payment.di-tokens.js';
import { GetPaymentHandler } from './application/queries/get-payment/get-payment.handler.js';
import { ListPaymentsForAdminHandler } from './application/queries/list-payments-for-admin/list-payments-for-admin.handler.js';
import { DetachedProviderCallsDrain } from './infrastructure/lifecycle/detached-provider-calls.drain.js';
import { paymentMigrations } from './infrastructure/migrations/index.js';
import { PAYMENT_CONFIG, paymentRulesOf, type PaymentConfig } from './infrastructure/payment.config.js';
import { SqlPaymentQueries } from './infrastructure/persistence/sql-payment-queries.js';
import { TypeOrmPayableOrderRepository } from './infrastructure/persistence/typeorm-payable-order.repository.js';
import { TypeOrmPaymentRepository } from './infrastructure/persistence/typeorm-payment.repository.js';
import { HttpSandboxCallbackDelivery } from './infrastructure/sandbox/http-sandbox-callback.delivery.js';
import { InProcessSandboxCallbackDelivery } from './infrastructure/sandbox/in-process-sandbox-callback.delivery.js';
import { SANDBOX_CALLBACK_DELIVERY, type SandboxCallbackDelivery } from './infrastructure/sandbox/sandbox-callback.delivery.js';
import { SandboxPaymentProvider } from './infrastructure/sandbox/sandbox-payment.provider.js';
import { ReconcilePendingPaymentsJob } from './infrastructure/scheduling/reconcile-pending-payments.job.js';
import { RetryRefundsJob } from './infrastructure/scheduling/retry-refunds.job.js';
import { paymentEventControllers, paymentHttpControllers } from './interface/payment.controllers.js';

const commandHandlers: Provider[] = [
  CreatePaymentHandler,
  ReceiveProviderCallbackHandler,
  SimulatePaymentHandler,
  OpenPaymentForOrderHandler,
  ClosePaymentForOrderHandler,
  RequestRefundHandler,
  AttemptRefundHandler,
  RetryDueRefundsHandler,
  RetryRefundNowHandler,
  ReconcilePendingPaymentsHandler,
];
const queryHandlers: Provider[] = [GetPaymentHandler, ListPaymentsForAdminHandler];

const repositories: Provider[] = [
  {
    provide: PAYMENT_REPOSITORY,
    useFactory: (transactions: TransactionHost, outbox: EventOutbox) => new TypeOrmPaymentRepository(transactions, outbox),
    inject: [TransactionHost, EVENT_OUTBOX],
  },
  {
    provide: PAYABLE_ORDER_REPOSITORY,
    useFactory: (transactions: TransactionHost) => new TypeOrmPayableOrderRepository(transactions),
    inject: [TransactionHost],
  },
];

const adapters: Provider[] = [
  { provide: PAYMENT_QUERIES, useFactory: (transactions: TransactionHost) => new SqlPaymentQueries(transactions), inject: [TransactionHost] },
  { provide: PAYMENT_CLOCK, useValue: systemClock },
];

/**
 * The provider of payments: the built-in sandbox, the only one so far (`loadPaymentConfig` refuses to start
 * with `PAYMENT_SANDBOX` off). A real provider is one adapter of `PaymentProvider` bound here instead, with
 * its own variables (apps/payment/README.md, "Adding a real provider"); SANDBOX_CONTROL is then left unbound
 * and the simulate route answers SANDBOX_DISABLED.
 */
function providerOf(config: PaymentConfig): Provider[] {
  if (!config.sandbox) return [];
  return [
    {
      provide: SANDBOX_CALLBACK_DELIVERY,
      // In-process to the service's own callback use case unless a URL says where a provider would call (the gateway).
      useFactory: (receiveCallback: ReceiveProviderCallbackHandler): SandboxCallbackDelivery =>
        config.sandboxCallbackUrl === null ? new InProcessSandboxCallbackDelivery(receiveCallback) : new HttpSandboxCallbackDelivery(config.sandboxCallbackUrl),
      inject: [ReceiveProviderCallbackHandler],
    },
    {
      provide: SandboxPaymentProvider,
      useFactory: (transactions: TransactionHost, delivery: SandboxCallbackDelivery, clock: Clock, logger: Logger) =>
        new SandboxPaymentProvider(transactions, delivery, clock, logger, { webhookSecret: config.webhookSecret }),
      inject: [TransactionHost, SANDBOX_CALLBACK_DELIVERY, PAYMENT_CLOCK, LOGGER],
    },
    { provide: PAYMENT_PROVIDER, useExisting: SandboxPaymentProvider },
    { provide: SANDBOX_CONTROL, useExisting: SandboxPaymentProvider },
  ];
}

/** The composition root of the payment context: the only place that wires its layers together. */
@Module({})
export class PaymentModule {
  static forRoot(runtime: ServiceRuntime, config: PaymentConfig): DynamicModule {
    const rules = paymentRulesOf(config);
    return contextModule(PaymentModule, runtime, {
      // None: every repository and query is plain SQL over the migrations' tables.
      entities: [],
      migrations: paymentMigrations,
      controllers: [...paymentHttpControllers, ...paymentEventControllers],
      providers: [
        { provide: PAYMENT_CONFIG, useValue: config },
        { provide: PAYMENT_RULES, useValue: rules },
        ...repositories,
        ...adapters,
        ...providerOf(config),
        ...commandHandlers,
        ...queryHandlers,
        // At the stop: the provider calls started after a commit finish before the database closes.
        DetachedProviderCallsDrain,
      ],
      jobs: [ReconcilePendingPaymentsJob, RetryRefundsJob],
      // POST /payments honours Idempotency-Key.
      idempotency: true,
    });
  }
}
