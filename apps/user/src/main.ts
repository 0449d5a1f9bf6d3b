import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { InternalTokenVerifier, configureHttpApp } from '@shop/http';
import {
  closeAppWithin,
  isEntryPoint,
  listeningUrlOf,
  nestLoggerFor,
  runServiceProcess,
  serviceRuntimeFromEnv,
  type RunningService,
  type ServiceRuntime,
} from '@shop/runtime';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, connectEventConsumer } from '@shop/messaging';
import { loadUserConfig, type UserConfig } from './infrastructure/user.config.js';
import { userErrorStatuses } from './interface/http/user.error-statuses.js';
import { UserModule } from './user.module.js';

export type { RunningService, ServiceRuntime } from '@shop/runtime';
export { loadUserConfig, type UserConfig } from './infrastructure/user.config.js';
export { DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS, type AccessTokenSettings } from './infrastructure/security/jose-access-token.issuer.js';

/**
 * Starts the user service on `runtime` (its own process, or one context of the embedded process)
 * and resolves once it listens. `runtime.port` 0 picks a free port; `url` tells which.
 */
export async function startUserService(runtime: ServiceRuntime, config: UserConfig): Promise<RunningService> {
  const app = await NestFactory.create<NestExpressApplication>(UserModule.forRoot(runtime, config), {
    bodyParser: false,
    // Nest would otherwise abort the whole process on a failed start, the embedded one included.
    abortOnError: false,
    logger: nestLoggerFor(runtime.logger),
  });
  try {
    configureHttpApp(app, {
      service: 'user',
      gatewayOnly: new InternalTokenVerifier(runtime.internalAuthSecret),
      domainErrorStatus: userErrorStatuses,
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
    service: 'user',
    url: listeningUrlOf(app),
    close: () => (closing ??= closeAppWithin(app, runtime.messaging?.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS)),
  };
}

/** `node apps/user/dist/main.js`: configuration from the environment, stopped by SIGINT / SIGTERM. */
if (isEntryPoint(import.meta.url)) {
  await runServiceProcess('user', { runtime: () => serviceRuntimeFromEnv('user'), config: () => loadUserConfig() }, ({ runtime, config }) =>
    startUserService(runtime, config),
  );
}
