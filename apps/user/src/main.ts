import { defineContextService, runContextServiceIfMain, startContextService, type RunningService, type ServiceRuntime } from '@shop/runtime';
import { loadUserConfig, type UserConfig } from './infrastructure/user.config.js';
import { userErrorStatuses } from './interface/http/user.error-statuses.js';
import { UserModule } from './user.module.js';

export type { RunningService, ServiceRuntime } from '@shop/runtime';
export { loadUserConfig, type UserConfig } from './infrastructure/user.config.js';
export { DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS, type AccessTokenSettings } from './infrastructure/security/jose-access-token.issuer.js';

/** The user context as both run modes start it (the embedded platform finds it by this name). */
export const contextService = defineContextService<UserConfig>({
  name: 'user',
  config: loadUserConfig,
  module: (runtime, config) => UserModule.forRoot(runtime, config),
  domainErrorStatus: userErrorStatuses,
});

/** Starts the user service on `runtime` and resolves once it listens; `runtime.port` 0 picks a free port. */
export const startUserService = (runtime: ServiceRuntime, config: UserConfig): Promise<RunningService> => startContextService(contextService, runtime, config);

/** `node apps/user/dist/main.js`: configuration from the environment, stopped by SIGINT / SIGTERM. */
await runContextServiceIfMain(contextService, import.meta.url);
