import { defineContextService, runContextServiceIfMain, startContextService, type RunningService, type ServiceRuntime } from '@shop/runtime';
import { loadPointsConfig, type PointsConfig } from './infrastructure/points.config.js';
import { pointsErrorStatuses } from './interface/http/points.error-statuses.js';
import { PointsModule } from './points.module.js';

export type { RunningService, ServiceRuntime } from '@shop/runtime';
export { loadPointsConfig, type PointsConfig } from './infrastructure/points.config.js';

/** The points context as both run modes start it (the embedded platform finds it by this name). */
export const contextService = defineContextService<PointsConfig>({
  name: 'points',
  config: loadPointsConfig,
  module: (runtime, config) => PointsModule.forRoot(runtime, config),
  domainErrorStatus: pointsErrorStatuses,
});

/** Starts the points service on `runtime` and resolves once it listens and consumes; `runtime.port` 0 picks a free port. */
export const startPointsService = (runtime: ServiceRuntime, config: PointsConfig): Promise<RunningService> =>
  startContextService(contextService, runtime, config);

/** `node apps/points/dist/main.js`: configuration from the environment, stopped by SIGINT / SIGTERM. */
await runContextServiceIfMain(contextService, import.meta.url);
