import { Module, type DynamicModule, type InjectionToken } from '@nestjs/common';
import { MessagingMetrics } from '@shop/messaging';
import { LOGGER, createLogger, type Logger } from '@shop/observability';
import type { Registry } from 'prom-client';
import { DEFAULT_CHECK_TIMEOUT_MS, HealthChecks, type HealthCheck } from './health-checks.js';
import { HEALTH_CHECKS, HealthController, METRICS_REGISTRY, MetricsController } from './operations.controllers.js';
import { serviceMetricsRegistry } from './service-metrics.js';

/** A check that needs providers of the app (its data source, its transport): they are injected into `check`. */
export interface InjectedHealthCheck {
  readonly inject: readonly InjectionToken[];
  readonly check: (...dependencies: never[]) => unknown;
}

export interface OperationsOptions {
  readonly service: string;
  /** By name, as reported: `{ database: ..., broker: ... }` (see `messagingHealthChecks`). */
  readonly checks: Readonly<Record<string, HealthCheck | InjectedHealthCheck>>;
  readonly checkTimeoutMs?: number;
  /** Registries to serve besides the process metrics and, when `MessagingModule` is loaded, its metrics. */
  readonly registries?: readonly Registry[];
}

const isInjected = (check: HealthCheck | InjectedHealthCheck): check is InjectedHealthCheck => typeof check !== 'function';

/**
 * `GET /health` and `GET /metrics`, both `@PublicEndpoint()`, the same in every service.
 * Metrics are the process's default metrics merged with the service's `MessagingMetrics` registry
 * (found by injection when `MessagingModule` is loaded) and any `registries` given.
 */
@Module({})
export class OperationsModule {
  static forService(options: OperationsOptions): DynamicModule {
    const entries = Object.entries(options.checks);
    // Every injected check's dependencies, in one flat list for the factory; each check takes its slice back.
    const tokens = entries.flatMap(([, check]) => (isInjected(check) ? check.inject : []));
    const optionalLogger = { token: LOGGER, optional: true };

    return {
      module: OperationsModule,
      controllers: [HealthController, MetricsController],
      providers: [
        {
          provide: HEALTH_CHECKS,
          inject: [optionalLogger, ...tokens],
          useFactory: (logger: Logger | undefined, ...dependencies: unknown[]) => {
            let next = 0;
            const checks = Object.fromEntries(
              entries.map(([name, check]): [string, HealthCheck] => {
                if (!isInjected(check)) return [name, check];
                const own = dependencies.slice(next, (next += check.inject.length));
                return [name, () => (check.check as (...deps: unknown[]) => unknown)(...own)];
              }),
            );
            return new HealthChecks(checks, logger ?? createLogger(options.service), options.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS);
          },
        },
        {
          provide: METRICS_REGISTRY,
          inject: [{ token: MessagingMetrics, optional: true }],
          useFactory: (messaging: MessagingMetrics | undefined) =>
            serviceMetricsRegistry(options.service, [...(messaging ? [messaging.registry] : []), ...(options.registries ?? [])]),
        },
      ],
    };
  }
}
