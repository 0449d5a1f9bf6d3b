import { defineContextService, runContextServiceIfMain, startContextService, type RunningService, type ServiceRuntime } from '@shop/runtime';
import { CouponModule } from './coupon.module.js';
import { loadCouponConfig, type CouponConfig } from './infrastructure/coupon.config.js';
import { couponErrorStatuses } from './interface/http/coupon.error-statuses.js';

export type { RunningService, ServiceRuntime } from '@shop/runtime';
export { loadCouponConfig, type CouponConfig } from './infrastructure/coupon.config.js';

/** The coupon context as both run modes start it (the embedded platform finds it by this name). */
export const contextService = defineContextService<CouponConfig>({
  name: 'coupon',
  config: loadCouponConfig,
  module: (runtime, config) => CouponModule.forRoot(runtime, config),
  domainErrorStatus: couponErrorStatuses,
});

/** Starts the coupon service on `runtime` and resolves once it listens and consumes; `runtime.port` 0 picks a free port. */
export const startCouponService = (runtime: ServiceRuntime, config: CouponConfig): Promise<RunningService> =>
  startContextService(contextService, runtime, config);

/** `node apps/coupon/dist/main.js`: configuration from the environment, stopped by SIGINT / SIGTERM. */
await runContextServiceIfMain(contextService, import.meta.url);
