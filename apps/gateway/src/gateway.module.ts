import { Module, type DynamicModule } from '@nestjs/common';
import { CONTEXTS, asyncApiDocument, defineContexts } from '@shop/contracts';
import { DEFAULT_CHECK_TIMEOUT_MS, InternalTokenIssuer, OperationsModule, type HealthCheck } from '@shop/http';
import { LOGGER, type Logger } from '@shop/observability';
import {
  ACCESS_TOKEN_VERIFIER,
  GATEWAY_TELEMETRY,
  LOGIN_THROTTLE,
  RATE_LIMITER,
  SERVICE_CLIENT,
  SIGNED_RATE_LIMITER,
} from './application/gateway.di-tokens.js';
import { UndiciServiceClient } from './infrastructure/http/undici-service.client.js';
import { FetchServiceHealthProbe } from './infrastructure/http/fetch-service-health.probe.js';
import { PrometheusGatewayTelemetry } from './infrastructure/metrics/prometheus-gateway.telemetry.js';
import { RateLimitingLifecycle, rateLimitingFor } from './infrastructure/rate-limit/rate-limiting.js';
import { CircuitBreakingServiceClient } from './infrastructure/resilience/circuit-breaking-service.client.js';
import { JwtAccessTokenVerifier } from './infrastructure/security/jwt-access-token.verifier.js';
import { GatewayAccessGuard } from './interface/http/gateway-access.guard.js';
import { LoginThrottleInterceptor } from './interface/http/login-throttle.interceptor.js';
import { ServiceForwarder } from './interface/http/service-forwarder.js';
import { forwardingControllerFor } from './interface/http/forwarding.controller.js';
import { openApiDocument } from './interface/openapi/openapi-document.js';
import { jsonDocument, jsonDocumentController } from './interface/openapi/json-document.controller.js';
import { ApiReference } from './interface/openapi/api-reference.js';
import { ApiReferenceController } from './interface/openapi/api-reference.controller.js';
import { API_VERSION, GATEWAY_DEFAULTS, type GatewayConfig } from './gateway.config.js';

const OPENAPI_DOCUMENT = Symbol('gateway.openApiDocument');
const ASYNCAPI_DOCUMENT = Symbol('gateway.asyncApiDocument');

/** The logger for every module of the app (OperationsModule finds it by the `LOGGER` token). */
@Module({})
class GatewayLoggerModule {}

/**
 * The gateway's composition root. Grouped by role: the HTTP controllers; the edge mechanics (access
 * guard, forwarder); and the adapters of the ports — an undici client (a connection pool per service) behind a circuit breaker per
 * service, the access token verifier, the rate limiter, the metrics.
 */
@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    // Every route of every context is mounted, forwarded and documented from the list; nothing here names one.
    const contexts = defineContexts(config.contexts ?? CONTEXTS);
    const unlocated = contexts.filter((context) => !config.serviceUrls[context.name]).map((context) => context.name);
    if (unlocated.length > 0) throw new Error(`the gateway has no service URL for: ${unlocated.join(', ')}`);
    const timeoutMs = config.serviceTimeoutMs ?? GATEWAY_DEFAULTS.serviceTimeoutMs;
    const telemetry = new PrometheusGatewayTelemetry();
    const serviceClient = new CircuitBreakingServiceClient(
      new UndiciServiceClient({ serviceUrls: config.serviceUrls, tokens: new InternalTokenIssuer(config.internalAuthSecret), timeoutMs }),
      {
        failureThreshold: config.circuitBreakerFailures ?? GATEWAY_DEFAULTS.circuitBreakerFailures,
        halfOpenAfterMs: config.circuitBreakerResetMs ?? GATEWAY_DEFAULTS.circuitBreakerResetMs,
        maxInFlight: config.maxInFlightPerService ?? GATEWAY_DEFAULTS.maxInFlightPerService,
        maxQueued: config.maxQueuedPerService ?? GATEWAY_DEFAULTS.maxQueuedPerService,
      },
      telemetry,
      logger,
    );
    // In Redis when REDIS_URL is set (shared by every instance), else in memory; fail open either way.
    const rateLimiting = rateLimitingFor(
      {
        perMinute: config.rateLimitPerMinute,
        signedPerMinute: config.signedRateLimitPerMinute ?? GATEWAY_DEFAULTS.signedRateLimitPerMinute,
        ...(config.redisUrl ? { redisUrl: config.redisUrl } : {}),
        redisKeyPrefix: config.redisKeyPrefix ?? GATEWAY_DEFAULTS.redisKeyPrefix,
        maxFailures: config.loginMaxFailures ?? GATEWAY_DEFAULTS.loginMaxFailures,
        lockMaxSeconds: config.loginLockMaxSeconds ?? GATEWAY_DEFAULTS.loginLockMaxSeconds,
      },
      logger,
      telemetry,
    );

    // Readiness (`/api/v1/health/ready`, and `/api/v1/health`) asks each service's `/health/ready`, each
    // call bounded; the answer is reused for READINESS_CACHE_MS, so probes of the gateway, however many,
    // ask each service at most once per period.
    const checkTimeoutMs = Math.min(timeoutMs, DEFAULT_CHECK_TIMEOUT_MS);
    const readinessCacheMs = config.readinessCacheMs ?? GATEWAY_DEFAULTS.readinessCacheMs;
    const probe = new FetchServiceHealthProbe(config.serviceUrls, checkTimeoutMs);
    const healthChecks: Record<string, HealthCheck> = { gateway: () => true };
    for (const { name: service } of contexts) healthChecks[service] = () => probe.isUp(service);

    // The documents and the reference page are the gateway's own routes: no guard, so no token and no rate limit.
    // Each is built (and compressed) once, here. API_DOCS=off leaves out the page and the events document, which
    // list internal queues and schemas; openapi.json stays, as the public API's contract.
    const apiDocs = (config.apiDocs ?? GATEWAY_DEFAULTS.apiDocs) === 'public';
    const httpControllers = [
      forwardingControllerFor(contexts.flatMap((context) => context.routes)),
      jsonDocumentController('openapi.json', OPENAPI_DOCUMENT),
      ...(apiDocs ? [jsonDocumentController('asyncapi.json', ASYNCAPI_DOCUMENT), ApiReferenceController] : []),
    ];
    const documents = [
      { provide: OPENAPI_DOCUMENT, useFactory: () => jsonDocument(openApiDocument(contexts, API_VERSION, { apiDocs })) },
      ...(apiDocs
        ? [
            {
              provide: ASYNCAPI_DOCUMENT,
              // The events are the platform's whatever this gateway routes: a gateway in front of some contexts only
              // still documents what they consume from the others (whose contracts the manifest needs).
              useFactory: () => {
                const others = CONTEXTS.filter((known) => !contexts.some((context) => context.name === known.name));
                return jsonDocument(asyncApiDocument({ contexts: defineContexts([...contexts, ...others]), version: API_VERSION }));
              },
            },
            { provide: ApiReference, useFactory: () => ApiReference.load() },
          ]
        : []),
    ];
    // The login throttle acts only on routes whose contract says they check credentials: the controller
    // puts it on those handlers alone (a global interceptor would send every request through rxjs).
    const edge = [GatewayAccessGuard, ServiceForwarder, LoginThrottleInterceptor];
    const adapters = [
      { provide: SERVICE_CLIENT, useValue: serviceClient },
      { provide: ACCESS_TOKEN_VERIFIER, useValue: new JwtAccessTokenVerifier(config.jwtSecret, config.accessTokenLifetimeSeconds) },
      { provide: RATE_LIMITER, useValue: rateLimiting.rateLimiter },
      { provide: SIGNED_RATE_LIMITER, useValue: rateLimiting.signedRateLimiter },
      { provide: LOGIN_THROTTLE, useValue: rateLimiting.loginThrottle },
      { provide: RateLimitingLifecycle, useValue: new RateLimitingLifecycle(rateLimiting) },
      { provide: GATEWAY_TELEMETRY, useValue: telemetry },
    ];
    return {
      module: GatewayModule,
      imports: [
        { module: GatewayLoggerModule, global: true, providers: [{ provide: LOGGER, useValue: logger }], exports: [LOGGER] },
        OperationsModule.forService({
          service: 'gateway',
          checks: healthChecks,
          checkTimeoutMs,
          readinessCacheMs,
          registries: [telemetry.registry],
          metricsToken: config.metricsToken,
        }),
      ],
      controllers: httpControllers,
      providers: [...edge, ...adapters, ...documents],
    };
  }
}
