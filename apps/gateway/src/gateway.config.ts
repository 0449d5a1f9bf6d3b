import { CONTEXTS, GATEWAY_PORT, type ContextDefinition } from '@shop/contracts';
import { bool, keyPrefix, listenPort, loadConfig, metricsTokenSpec, nonNegativeInt, positiveInt, secret, str, url, type ConfigSpec } from '@shop/runtime';
import { corsOriginsFromEnv } from '@shop/http';
import type { Logger } from '@shop/observability';
import type { ServiceName } from './application/service-name.js';

export interface GatewayConfig {
  /** Interface to listen on. */
  readonly host: string;
  /** 0: any free port (tests). */
  readonly port: number;
  /** Verifies the access tokens the user service signs (HS256, ≥ 32 bytes). */
  readonly jwtSecret: string;
  /** The user service's access token lifetime (`JWT_EXPIRES_IN_SECONDS`, default 3600): older or longer-lived tokens are refused. */
  readonly accessTokenLifetimeSeconds?: number;
  /** Signs the identity the gateway passes to the services (≥ 32 bytes). */
  readonly internalAuthSecret: string;
  /** Requests per minute per signed-in user, or per client address otherwise; 0 turns the limit off. */
  readonly rateLimitPerMinute: number;
  /**
   * Requests per minute per client address to a route whose body its sender signs (`signedBody`: the payment
   * provider's callbacks), counted apart from `rateLimitPerMinute` (default 6000; 0 turns it off): a provider
   * calls back for every customer from a few addresses, and its callbacks must not use up, nor be refused
   * by, an ordinary client's budget.
   */
  readonly signedRateLimitPerMinute?: number;
  /** Base URL of each context's service, by its name; the gateway calls `<url>/auth/register`, `<url>/health`, … */
  readonly serviceUrls: Readonly<Record<ServiceName, string>>;
  /** The contexts whose routes the gateway mounts, forwards and documents: `CONTEXTS` unless a test passes its own. */
  readonly contexts?: readonly ContextDefinition[];
  /** Longest wait for a service's answer (default 5000). */
  readonly serviceTimeoutMs?: number;
  /** Consecutive failures that open a service's circuit (default 5). */
  readonly circuitBreakerFailures?: number;
  /** How long an open circuit refuses calls before one probe call (default 10000). */
  readonly circuitBreakerResetMs?: number;
  /** Calls to one service in flight at once (default 32); beyond them and the queue, 503 `SERVICE_BUSY` at once. */
  readonly maxInFlightPerService?: number;
  /** Calls to one service waiting for a free slot (default 64; 0: none wait). */
  readonly maxQueuedPerService?: number;
  /**
   * Proxies in front of the gateway whose `X-Forwarded-For` is believed when telling client
   * addresses apart for the rate limit (default 0: the connection's own address).
   */
  readonly trustedProxyHops?: number;
  /** How long a readiness answer (the services' `/health/ready` included) is reused, in ms (default 1000; 0: every request asks again). */
  readonly readinessCacheMs?: number;
  /**
   * Redis holding the rate limit and failed-login counters, shared by every gateway instance; in
   * this process's memory without it. When Redis fails, requests go through unchecked (fail open).
   */
  readonly redisUrl?: string;
  /** Before every key the gateway writes in Redis (`RATE_LIMIT_KEY_PREFIX`, default `shop:gateway:rate-limit`): one per deployment sharing a Redis. */
  readonly redisKeyPrefix?: string;
  /** Failed logins in a row for one account before it is locked (1 s, doubling with each further failure; default 5). */
  readonly loginMaxFailures?: number;
  /** The longest lock of an account after failed logins, in seconds (default 120). */
  readonly loginLockMaxSeconds?: number;
  /** `/api/v1/metrics` answers only this bearer token (`METRICS_TOKEN`); without one it is not served. */
  readonly metricsToken?: string;
  /** Origins allowed to call from a browser, exact (`CORS_ORIGINS`, comma-separated); none by default. */
  readonly corsOrigins?: readonly string[];
  /**
   * `API_DOCS`: `public` (default) serves the API reference page (`/docs`) and the events document
   * (`/asyncapi.json`) to anyone; `off` does not mount them (404), for a deployment that keeps its queue
   * names and internal event schemas to itself. `/openapi.json` is served either way.
   */
  readonly apiDocs?: ApiDocs;
  /**
   * Whether a client's W3C trace context (`traceparent`, `tracestate`) is continued (`GATEWAY_TRUST_CLIENT_TRACE`,
   * default false): only for clients the deployment trusts (its own front-end servers behind a proxy that
   * strips the headers of others). Otherwise each request starts a trace of its own, linked to the client's
   * context, and the client's headers go no further: the internet must not decide what is sampled, pin its
   * requests into one trace, or carry its tracestate into every service and message.
   */
  readonly trustClientTrace?: boolean;
  readonly logger?: Logger;
}

export const API_DOCS_CHOICES = ['public', 'off'] as const;
export type ApiDocs = (typeof API_DOCS_CHOICES)[number];

/** The version of the API the OpenAPI document describes. */
export const API_VERSION = '1.0.0';

export const GATEWAY_DEFAULTS = {
  port: GATEWAY_PORT,
  host: '0.0.0.0',
  rateLimitPerMinute: 120,
  // 100 callbacks a second from one provider address: far above what the shop's own traffic makes, still a
  // ceiling for a flood of forged ones (each is refused on its signature, but costs an HMAC and a forward).
  signedRateLimitPerMinute: 6_000,
  serviceTimeoutMs: 5_000,
  circuitBreakerFailures: 5,
  circuitBreakerResetMs: 10_000,
  // The bulkhead. A service's backlog must clear inside SERVICE_TIMEOUT_MS (5 s) even when the CPU
  // is shared: the user service checks about 32 argon2id passwords a second on the 2-core box idle,
  // 5-10 under load. Measured, 440 logins at once through the gateway (random e-mails): without a
  // bulkhead 398 x 504 and the circuit open; 64 in flight still let 57 time out (and open the circuit)
  // at load 10; 32 in flight: 0 x 504, 344 x 503 SERVICE_BUSY within 2 s, circuit closed. 32 more than
  // covers a fast route (GET /me: ~1 ms a call), and with the queue of 64 the bench's 64 keep-alive
  // clients are never shed; queued calls start their timeout only once sent.
  maxInFlightPerService: 32,
  maxQueuedPerService: 64,
  trustedProxyHops: 0,
  readinessCacheMs: 1_000,
  redisKeyPrefix: 'shop:gateway:rate-limit',
  loginMaxFailures: 5,
  loginLockMaxSeconds: 120,
  apiDocs: 'public',
} as const;

/** `USER_SERVICE_URL`, `ORDER_SERVICE_URL`, … */
export const serviceUrlVariable = (service: ServiceName): string => `${service.toUpperCase()}_SERVICE_URL`;

/**
 * The gateway's configuration from the environment, checked at start: one `ConfigurationError`
 * names every variable that is missing or wrong. Each context of `contexts` has its
 * `<NAME>_SERVICE_URL`, by default on its own port of this host.
 */
export function gatewayConfigFromEnv(env: NodeJS.ProcessEnv = process.env, contexts: readonly ContextDefinition[] = CONTEXTS): GatewayConfig {
  const serviceSpec: ConfigSpec = Object.fromEntries(
    contexts.map(({ name, port }) => [serviceUrlVariable(name), url({ default: `http://127.0.0.1:${port}`, desc: `base URL of the ${name} service` })]),
  );
  const config = loadConfig(
    {
      PORT: listenPort({ default: GATEWAY_DEFAULTS.port, desc: 'port of the gateway' }),
      HOST: str({ default: GATEWAY_DEFAULTS.host, desc: 'interface to listen on' }),
      JWT_SECRET: secret({ desc: 'verifies the access tokens the user service signs' }),
      JWT_EXPIRES_IN_SECONDS: positiveInt({ default: undefined, desc: "the user service's access token lifetime; older tokens are refused (default 3600)" }),
      INTERNAL_AUTH_SECRET: secret({ desc: 'shared by the gateway and the services' }),
      ...metricsTokenSpec(),
      RATE_LIMIT_PER_MINUTE: nonNegativeInt({ default: GATEWAY_DEFAULTS.rateLimitPerMinute, desc: 'requests per minute per user or address; 0 turns it off' }),
      RATE_LIMIT_SIGNED_PER_MINUTE: nonNegativeInt({
        default: GATEWAY_DEFAULTS.signedRateLimitPerMinute,
        desc: 'requests per minute per address to routes with a signed body (provider callbacks), counted apart; 0 turns it off',
      }),
      SERVICE_TIMEOUT_MS: positiveInt({ default: GATEWAY_DEFAULTS.serviceTimeoutMs, desc: 'longest wait for a service, in ms' }),
      CIRCUIT_BREAKER_FAILURES: positiveInt({ default: GATEWAY_DEFAULTS.circuitBreakerFailures, desc: "consecutive failures that open a service's circuit" }),
      CIRCUIT_BREAKER_RESET_MS: positiveInt({ default: GATEWAY_DEFAULTS.circuitBreakerResetMs, desc: 'ms an open circuit waits before a probe call' }),
      GATEWAY_MAX_IN_FLIGHT_PER_SERVICE: positiveInt({ default: GATEWAY_DEFAULTS.maxInFlightPerService, desc: 'calls to one service in flight at once' }),
      GATEWAY_MAX_QUEUED_PER_SERVICE: nonNegativeInt({ default: GATEWAY_DEFAULTS.maxQueuedPerService, desc: 'calls to one service waiting for a slot' }),
      TRUSTED_PROXY_HOPS: nonNegativeInt({
        default: GATEWAY_DEFAULTS.trustedProxyHops,
        desc: 'proxies in front of the gateway whose X-Forwarded-For is believed',
      }),
      READINESS_CACHE_MS: nonNegativeInt({
        default: GATEWAY_DEFAULTS.readinessCacheMs,
        desc: "ms a readiness answer (the services' included) is reused; 0 asks on every request",
      }),
      REDIS_URL: url({ default: undefined, desc: 'Redis for the rate limit counters shared by every gateway; in memory without it' }),
      RATE_LIMIT_KEY_PREFIX: keyPrefix({
        default: GATEWAY_DEFAULTS.redisKeyPrefix,
        desc: 'before every Redis key of the gateway: each deployment sharing a Redis needs its own',
      }),
      LOGIN_MAX_FAILURES: positiveInt({ default: GATEWAY_DEFAULTS.loginMaxFailures, desc: 'failed logins in a row before an account is locked' }),
      LOGIN_LOCK_MAX_SECONDS: positiveInt({ default: GATEWAY_DEFAULTS.loginLockMaxSeconds, desc: 'longest lock of an account after failed logins, in s' }),
      API_DOCS: str({
        choices: API_DOCS_CHOICES,
        default: GATEWAY_DEFAULTS.apiDocs,
        desc: 'public: /api/v1/docs and /api/v1/asyncapi.json are served to anyone; off: not at all (404)',
      }),
      GATEWAY_TRUST_CLIENT_TRACE: bool({
        default: false,
        desc: "continue a client's traceparent/tracestate; false: a new trace per request, linked to the client's",
      }),
      ...serviceSpec,
    },
    env,
  );
  // The validators above refuse what is missing or wrong; what they return is therefore there.
  const read = config as unknown as Readonly<Record<string, unknown>>;
  return {
    host: read['HOST'] as string,
    port: read['PORT'] as number,
    jwtSecret: read['JWT_SECRET'] as string,
    ...(read['JWT_EXPIRES_IN_SECONDS'] === undefined ? {} : { accessTokenLifetimeSeconds: read['JWT_EXPIRES_IN_SECONDS'] as number }),
    internalAuthSecret: read['INTERNAL_AUTH_SECRET'] as string,
    ...(read['METRICS_TOKEN'] !== undefined ? { metricsToken: read['METRICS_TOKEN'] as string } : {}),
    rateLimitPerMinute: read['RATE_LIMIT_PER_MINUTE'] as number,
    signedRateLimitPerMinute: read['RATE_LIMIT_SIGNED_PER_MINUTE'] as number,
    serviceTimeoutMs: read['SERVICE_TIMEOUT_MS'] as number,
    circuitBreakerFailures: read['CIRCUIT_BREAKER_FAILURES'] as number,
    circuitBreakerResetMs: read['CIRCUIT_BREAKER_RESET_MS'] as number,
    maxInFlightPerService: read['GATEWAY_MAX_IN_FLIGHT_PER_SERVICE'] as number,
    maxQueuedPerService: read['GATEWAY_MAX_QUEUED_PER_SERVICE'] as number,
    trustedProxyHops: read['TRUSTED_PROXY_HOPS'] as number,
    readinessCacheMs: read['READINESS_CACHE_MS'] as number,
    ...(read['REDIS_URL'] === undefined ? {} : { redisUrl: read['REDIS_URL'] as string }),
    redisKeyPrefix: read['RATE_LIMIT_KEY_PREFIX'] as string,
    loginMaxFailures: read['LOGIN_MAX_FAILURES'] as number,
    loginLockMaxSeconds: read['LOGIN_LOCK_MAX_SECONDS'] as number,
    ...(corsOriginsFromEnv(env).length === 0 ? {} : { corsOrigins: corsOriginsFromEnv(env) }),
    ...(read['API_DOCS'] === 'off' ? { apiDocs: 'off' as const } : {}),
    ...(read['GATEWAY_TRUST_CLIENT_TRACE'] === true ? { trustClientTrace: true } : {}),
    serviceUrls: Object.fromEntries(contexts.map(({ name }) => [name, read[serviceUrlVariable(name)] as string])),
    ...(contexts === CONTEXTS ? {} : { contexts }),
  };
}
