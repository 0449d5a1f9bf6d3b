import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { configureHttpApp } from '@shop/http';
import { isEntryPoint, listeningUrlOf, nestLoggerFor, runServiceProcess, type RunningService } from '@shop/runtime';
import { createLogger } from '@shop/observability';
import { GATEWAY_TELEMETRY } from './application/gateway.di-tokens.js';
import type { GatewayTelemetry } from './application/ports/gateway-telemetry.js';
import { requestMetricsMiddleware } from './interface/http/request-metrics.middleware.js';
import { API_BASE_PATH } from './interface/openapi/openapi-document.js';
import { GATEWAY_DEFAULTS, gatewayConfigFromEnv, type GatewayConfig } from './gateway.config.js';
import { GatewayModule } from './gateway.module.js';

export { GATEWAY_DEFAULTS, gatewayConfigFromEnv, serviceUrlVariable, type GatewayConfig } from './gateway.config.js';
export type { ServiceName } from './application/service-name.js';

/**
 * Starts the gateway: `/api/v1` authenticated, rate limited and forwarded to the services, with
 * `/api/v1/health`, `/api/v1/metrics` and `/api/v1/openapi.json` of its own.
 */
export async function startGateway(config: GatewayConfig): Promise<RunningService> {
  const logger = config.logger ?? createLogger('gateway');
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.forRoot(config, logger), {
    bodyParser: false,
    logger: nestLoggerFor(logger),
  });
  app.set('trust proxy', config.trustedProxyHops ?? GATEWAY_DEFAULTS.trustedProxyHops);
  // First, so that bodies refused by the parser are counted too.
  app.use(requestMetricsMiddleware(app.get<GatewayTelemetry>(GATEWAY_TELEMETRY)));
  configureHttpApp(app, { service: 'gateway', gatewayOnly: false, logger });
  app.setGlobalPrefix(API_BASE_PATH.slice(1));
  await app.listen(config.port, config.host);
  const url = listeningUrlOf(app);
  return { service: 'gateway', url, close: () => app.close() };
}

/** `node apps/gateway/dist/main.js`: from the environment, until SIGINT / SIGTERM. */
if (isEntryPoint(import.meta.url)) {
  await runServiceProcess('gateway', { config: () => gatewayConfigFromEnv(process.env) }, ({ config }) => startGateway(config));
}
