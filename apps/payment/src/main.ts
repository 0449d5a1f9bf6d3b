import { defineContextService, runContextServiceIfMain, startContextService, type RunningService, type ServiceRuntime } from '@shop/runtime';
import { loadPaymentConfig, type PaymentConfig } from './infrastructure/payment.config.js';
import { paymentErrorStatuses } from './interface/http/payment.error-statuses.js';
import { PaymentModule } from './payment.module.js';

export type { RunningService, ServiceRuntime } from '@shop/runtime';
export { loadPaymentConfig, type PaymentConfig } from './infrastructure/payment.config.js';

/** The payment context as both run modes start it (the embedded platform finds it by this name). */
export const contextService = defineContextService<PaymentConfig>({
  name: 'payment',
  config: loadPaymentConfig,
  module: (runtime, config) => PaymentModule.forRoot(runtime, config),
  domainErrorStatus: paymentErrorStatuses,
});

/** Starts the payment service on `runtime` and resolves once it listens and consumes; `runtime.port` 0 picks a free port. */
export const startPaymentService = (runtime: ServiceRuntime, config: PaymentConfig): Promise<RunningService> =>
  startContextService(contextService, runtime, config);

/** `node apps/payment/dist/main.js`: configuration from the environment, stopped by SIGINT / SIGTERM. */
await runContextServiceIfMain(contextService, import.meta.url);
