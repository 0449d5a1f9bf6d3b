import { defineContextService, runContextServiceIfMain, startContextService, type RunningService, type ServiceRuntime } from '@shop/runtime';
import { loadOrderConfig, type OrderConfig } from './infrastructure/order.config.js';
import { orderErrorStatuses } from './interface/http/order.error-statuses.js';
import { OrderModule } from './order.module.js';

export type { RunningService, ServiceRuntime } from '@shop/runtime';
export { loadOrderConfig, type OrderConfig } from './infrastructure/order.config.js';

/** The order context as both run modes start it (the embedded platform finds it by this name). */
export const contextService = defineContextService<OrderConfig>({
  name: 'order',
  config: loadOrderConfig,
  module: (runtime, config) => OrderModule.forRoot(runtime, config),
  domainErrorStatus: orderErrorStatuses,
});

/** Starts the order service on `runtime` and resolves once it listens and consumes; `runtime.port` 0 picks a free port. */
export const startOrderService = (runtime: ServiceRuntime, config: OrderConfig): Promise<RunningService> =>
  startContextService(contextService, runtime, config);

/** `node apps/order/dist/main.js`: configuration from the environment, stopped by SIGINT / SIGTERM. */
await runContextServiceIfMain(contextService, import.meta.url);
