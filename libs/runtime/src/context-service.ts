import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { InternalTokenVerifier, configureHttpApp, createHttpAdapter, type DomainErrorStatusMap } from '@shop/http';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, connectEventConsumer } from '@shop/messaging';
import { closeAppWithin, isEntryPoint, listeningUrlOf, nestLoggerFor } from './nest-runtime.js';
import { boundAddressOf, runServiceProcess, serviceRuntimeFromEnv, type RunningService, type ServiceRuntime } from './service-runtime.js';

/**
 * How a bounded context runs, for both run modes: its name (as in `CONTEXTS`), how it reads its own
 * variables, its composition root, and the HTTP status of each domain error it raises. Each app's
 * `main.ts` exports one as `contextService`; the embedded platform and the app's own process start it.
 */
export interface ContextService<Config = unknown> {
  readonly name: string;
  /** Reads and checks the context's own variables (throws naming each bad one). */
  readonly config: (env: NodeJS.ProcessEnv) => Config;
  /** The composition root (`<Ctx>Module.forRoot`). */
  readonly module: (runtime: ServiceRuntime, config: Config) => DynamicModule;
  readonly domainErrorStatus?: DomainErrorStatusMap;
  /** Largest JSON body the context accepts (1 MiB by default). */
  readonly bodyLimit?: string | number;
}

export const defineContextService = <Config>(service: ContextService<Config>): ContextService<Config> => Object.freeze({ ...service });

/**
 * Starts a context on `runtime` (its own process, or one context of the embedded process) and resolves
 * once it listens and consumes. `runtime.port` 0 picks a free port; `url` tells which.
 */
export async function startContextService<Config>(service: ContextService<Config>, runtime: ServiceRuntime, config: Config): Promise<RunningService> {
  const app = await NestFactory.create<NestFastifyApplication>(service.module(runtime, config), createHttpAdapter({ bodyLimit: service.bodyLimit }), {
    bodyParser: false,
    // Nest would otherwise abort the whole process on a failed start, the embedded one included.
    abortOnError: false,
    logger: nestLoggerFor(runtime.logger),
  });
  try {
    configureHttpApp(app, {
      service: service.name,
      gatewayOnly: new InternalTokenVerifier(runtime.internalAuthSecret, service.name),
      domainErrorStatus: service.domainErrorStatus,
      bodyLimit: service.bodyLimit,
      logger: runtime.logger,
    });
    await connectEventConsumer(app);
    await app.listen(runtime.port, runtime.host);
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    service: service.name,
    url: listeningUrlOf(app),
    boundAddress: boundAddressOf(app.getHttpServer()),
    close: () => (closing ??= closeAppWithin(app, runtime.messaging?.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS)),
  };
}

/**
 * `node apps/<ctx>/dist/main.js`: when `moduleUrl` is the script node was started with, runs the
 * context as its own process (runtime and configuration from the environment, stopped by SIGINT /
 * SIGTERM). Call it at the end of the app's `main.ts` with `import.meta.url`.
 */
export async function runContextServiceIfMain<Config>(service: ContextService<Config>, moduleUrl: string): Promise<void> {
  if (!isEntryPoint(moduleUrl)) return;
  await runServiceProcess(
    service.name,
    { runtime: () => serviceRuntimeFromEnv(service.name), config: () => service.config(process.env) },
    ({ runtime, config }) => startContextService(service, runtime, config),
  );
}
