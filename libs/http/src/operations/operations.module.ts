import { Inject, Injectable, Module, type DynamicModule, type InjectionToken, type OnModuleDestroy } from '@nestjs/common';
import { MessagingMetrics } from '@shop/messaging';
import { LOGGER, createLogger, type Logger } from '@shop/observability';
import type { Registry } from 'prom-client';
import { HealthChecks, type HealthCheck, type TimedHealthCheck } from './health-checks.js';
import { METRICS_TOKEN } from './metrics-token.guard.js';
import { HEALTH_CHECKS, HealthController, METRICS_REGISTRY, MetricsController } from './operations.controllers.js';
import { serviceMetricsRegistry } from './service-metrics.js';

export { MetricsTokenGuard } from './metrics-token.guard.js';

/** A check that needs providers of the app (its data source, its transport): they are injected into `check`. */
export interface InjectedHealthCheck {
  readonly inject: readonly InjectionToken[];
  readonly check: (...dependencies: never[]) => unknown;
  /** Its own deadline, instead of `checkTimeoutMs`. */
  readonly timeoutMs?: number;
}

export interface OperationsOptions {
  readonly service: string;
  /** By name, as reported: `{ database: ..., broker: ... }` (see `messagingHealthChecks`). */
  readonly checks: Readonly<Record<string, HealthCheck | TimedHealthCheck | InjectedHealthCheck>>;
  /** Deadline of each check without its own (default `DEFAULT_CHECK_TIMEOUT_MS`, 2 s). */
  readonly checkTimeoutMs?: number;
  /** How long a readiness answer is reused (default 0: concurrent requests share one run, later ones run the checks again). */
  readonly readinessCacheMs?: number;
  /** Registries to serve besides the process metrics and, when `MessagingModule` is loaded, its metrics. */
  readonly registries?: readonly Registry[];
  /**
   * `GET /metrics` answers only `Authorization: Bearer <metricsToken>` (401 otherwise); without one
   * it is not mounted at all (404): metrics are never public (`METRICS_TOKEN`, its length checked by the runtime's config).
   */
  readonly metricsToken?: string;
}

type AnyCheck = HealthCheck | TimedHealthCheck | InjectedHealthCheck;
const isInjected = (check: AnyCheck): check is InjectedHealthCheck => typeof check !== 'function' && 'inject' in check;

/** Readiness turns to not ready as soon as the app begins to close: before its consumers and relay stop, before its HTTP server closes. */
@Injectable()
class DrainOnShutdown implements OnModuleDestroy {
  constructor(@Inject(HEALTH_CHECKS) private readonly checks: HealthChecks) {}

  // Nest calls every onModuleDestroy before any beforeApplicationShutdown (where messaging stops its work) and before the server closes.
  onModuleDestroy(): void {
    this.checks.startDraining();
  }
}

/**
 * `GET /health/live`, `GET /health/ready`, `GET /health` and `GET /metrics`, all `@PublicEndpoint()`, the same in every service;
 * `/metrics` only with the bearer `metricsToken`, and not at all without one.
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
    const { metricsToken } = options;

    return {
      module: OperationsModule,
      controllers: metricsToken === undefined ? [HealthController] : [HealthController, MetricsController],
      providers: [
        {
          provide: HEALTH_CHECKS,
          inject: [optionalLogger, ...tokens],
          useFactory: (logger: Logger | undefined, ...dependencies: unknown[]) => {
            let next = 0;
            const checks = Object.fromEntries(
              entries.map(([name, check]): [string, HealthCheck | TimedHealthCheck] => {
                if (!isInjected(check)) return [name, check];
                const own = dependencies.slice(next, (next += check.inject.length));
                return [name, { check: () => (check.check as (...deps: unknown[]) => unknown)(...own), timeoutMs: check.timeoutMs }];
              }),
            );
            return new HealthChecks(checks, logger ?? createLogger(options.service), {
              timeoutMs: options.checkTimeoutMs,
              cacheMs: options.readinessCacheMs,
            });
          },
        },
        DrainOnShutdown,
        { provide: METRICS_TOKEN, useValue: metricsToken },
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
