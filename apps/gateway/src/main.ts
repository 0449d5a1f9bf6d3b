import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { configureHttpApp, createHttpAdapter } from '@shop/http';
import { boundAddressOf, isEntryPoint, listeningUrlOf, nestLoggerFor, runServiceProcess, type RunningService } from '@shop/runtime';
import { createLogger } from '@shop/observability';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GATEWAY_TELEMETRY } from './application/gateway.di-tokens.js';
import type { GatewayTelemetry } from './application/ports/gateway-telemetry.js';
import { CALLER, type GatewayRequest } from './interface/http/gateway-request.js';
import { installRequestMetrics } from './interface/http/request-metrics.middleware.js';
import { API_BASE_PATH } from './interface/openapi/openapi-document.js';
import { GATEWAY_DEFAULTS, gatewayConfigFromEnv, type GatewayConfig } from './gateway.config.js';
import { GatewayModule } from './gateway.module.js';

export { GATEWAY_DEFAULTS, gatewayConfigFromEnv, serviceUrlVariable, type GatewayConfig } from './gateway.config.js';
export type { ServiceName } from './application/service-name.js';

/**
 * Starts the gateway: `/api/v1` authenticated, rate limited and forwarded to the services, with
 * `/api/v1/health`, `/api/v1/metrics`, `/api/v1/openapi.json` and (unless `API_DOCS=off`)
 * `/api/v1/asyncapi.json` and `/api/v1/docs` of its own.
 */
export async function startGateway(config: GatewayConfig): Promise<RunningService> {
  const logger = config.logger ?? createLogger('gateway');
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayModule.forRoot(config, logger),
    createHttpAdapter({ trustProxy: config.trustedProxyHops ?? GATEWAY_DEFAULTS.trustedProxyHops }),
    { bodyParser: false, logger: nestLoggerFor(logger) },
  );
  // Counts every answer, refused bodies and unknown paths included.
  installRequestMetrics(app.getHttpAdapter().getInstance() as FastifyInstance, app.get<GatewayTelemetry>(GATEWAY_TELEMETRY));
  configureHttpApp(app, {
    service: 'gateway',
    gatewayOnly: false,
    logger,
    userIdOf: (request: FastifyRequest) => (request as unknown as GatewayRequest)[CALLER]?.userId,
    corsOrigins: config.corsOrigins,
    // No MessageContext (AsyncLocalStorage): the gateway writes no events and its per-request log lines
    // carry the correlation id explicitly; the first AsyncLocalStorage.run would switch on Node's promise
    // hooks for every promise of the process (about a quarter of the gateway's CPU under load).
    requestContext: false,
    // The edge: a client's trace context is linked to, not continued, unless the deployment trusts its clients.
    callerTrace: config.trustClientTrace ? 'continue' : 'link',
  });
  app.setGlobalPrefix(API_BASE_PATH.slice(1));
  await app.listen(config.port, config.host);
  const url = listeningUrlOf(app);
  return { service: 'gateway', url, boundAddress: boundAddressOf(app.getHttpServer()), close: () => app.close() };
}

/** `node apps/gateway/dist/main.js`: from the environment, until SIGINT / SIGTERM. */
if (isEntryPoint(import.meta.url)) {
  await runServiceProcess('gateway', { config: () => gatewayConfigFromEnv(process.env) }, ({ config }) => startGateway(config));
}
