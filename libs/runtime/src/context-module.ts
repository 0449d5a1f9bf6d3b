import type { DynamicModule, Provider, Type } from '@nestjs/common';
import {
  IdempotencyModule,
  OperationsModule,
  PruneIdempotencyKeysJob,
  idempotencyMigrations,
  messagingHealthChecks,
  type IdempotencyModuleOptions,
} from '@shop/http';
import { MessagingModule, messagingMigrations } from '@shop/messaging';
import { openDataSource, type DatabaseOptions } from '@shop/persistence';
import { SchedulerMetrics, scheduledJobs, schedulerEnabledFromEnv, schedulerMigrations, type ScheduledJob } from '@shop/scheduler';
import type { Registry } from 'prom-client';
import { messagingOptionsOf, type ServiceRuntime } from './service-runtime.js';

/** What a context brings of its own; the platform's part (database, messaging, health, metrics, jobs, idempotency) is added around it. */
export interface ContextModuleParts {
  /** Its ORM entity schemas. */
  readonly entities: DatabaseOptions['entities'];
  /** Its own migrations, run after the platform's (messaging, and scheduler / idempotency when used). */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly migrations: readonly Function[];
  readonly controllers?: readonly Type[];
  /** Use cases, adapters of its ports, event handlers, lifecycle hooks. */
  readonly providers?: readonly Provider[];
  /** Scheduled jobs (`ScheduledJob` providers): run one instance at a time across the service's instances. */
  readonly jobs?: ReadonlyArray<Type<ScheduledJob>>;
  /** `Idempotency-Key` for its `@Idempotent()` routes: `true`, or the module's options. */
  readonly idempotency?: boolean | IdempotencyModuleOptions;
  /** Its own metrics (prom-client registries), served at `/metrics` beside the platform's. */
  readonly registries?: readonly Registry[];
}

/** What of the platform a context's service uses that brings tables of its own. */
export interface PlatformTables {
  /** It runs scheduled jobs (its own, or the idempotency keys' pruning). */
  readonly scheduler: boolean;
  /** It honours `Idempotency-Key`. */
  readonly idempotency: boolean;
}

/**
 * The platform's migrations a context's database runs before its own, in `contextModule`'s order:
 * messaging (outbox, inbox), then the scheduler's and the idempotency keys' when it uses them. One
 * list, so that a test opening a context's database without its module migrates it the same way.
 */
export function platformMigrations(uses: PlatformTables): Type[] {
  return [...messagingMigrations, ...(uses.scheduler ? schedulerMigrations : []), ...(uses.idempotency ? idempotencyMigrations : [])];
}

/**
 * The one way a context's composition root is assembled: `<Ctx>Module.forRoot` returns
 * `contextModule(<Ctx>Module, runtime, { entities, migrations, controllers, providers, jobs?, idempotency? })`.
 * Its database (`shop_<name>` or `<name>.sqlite`) with the platform's migrations before its own, the outbox,
 * relay and consumer on the runtime's transport, `/health*` and `/metrics`, and, when asked for, the
 * scheduler and the idempotency keys, all the same in every context.
 */
export function contextModule(module: Type, runtime: ServiceRuntime, parts: ContextModuleParts): DynamicModule {
  const service = runtime.service;
  const idempotency = parts.idempotency === true ? {} : parts.idempotency || undefined;
  // Expired idempotency keys are pruned by the scheduler (one instance at a time, with its metrics) when
  // it runs on this instance; with SCHEDULER_ENABLED=false, by IdempotencyModule's own timer, so that
  // keys are still pruned when every instance has the scheduler off.
  const schedulerEnabled = schedulerEnabledFromEnv();
  const pruneByScheduler = schedulerEnabled && idempotency !== undefined && idempotency.pruning !== false;
  const jobs = [...(parts.jobs ?? []), ...(pruneByScheduler ? [PruneIdempotencyKeysJob] : [])];
  const schedulerMetrics = jobs.length > 0 ? new SchedulerMetrics() : undefined;
  const migrations = [...platformMigrations({ scheduler: jobs.length > 0, idempotency: idempotency !== undefined }), ...parts.migrations];
  return {
    module,
    imports: [
      MessagingModule.forService({
        service,
        // The database's pool size and deadlines come with `runtime.database`, the messaging settings with `messagingOptionsOf`.
        dataSource: () => openDataSource({ service, ...runtime.database, entities: parts.entities, migrations }),
        transport: runtime.transport,
        ownsTransport: runtime.ownsTransport,
        logger: runtime.logger,
        ...messagingOptionsOf(runtime),
      }),
      OperationsModule.forService({
        service,
        checks: messagingHealthChecks,
        registries: [...(schedulerMetrics ? [schedulerMetrics.registry] : []), ...(parts.registries ?? [])],
        metricsToken: runtime.metricsToken,
      }),
      ...(idempotency ? [IdempotencyModule.forService(idempotency)] : []),
    ],
    controllers: [...(parts.controllers ?? [])],
    providers: [...(parts.providers ?? []), ...(jobs.length > 0 ? scheduledJobs({ jobs, metrics: schedulerMetrics, enabled: schedulerEnabled }) : [])],
  };
}
