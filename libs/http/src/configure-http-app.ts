import { Reflector } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createLogger, tracingEnabled, type Logger } from '@shop/observability';
import { correlationIdOf, installCorrelation } from './correlation/correlation.middleware.js';
import { GatewayOnlyGuard } from './identity/gateway-only.guard.js';
import { REQUEST_IDENTITY, type RequestWithIdentity } from './identity/identity.decorators.js';
import type { InternalTokenVerifier } from './identity/internal-token.verifier.js';
import { installJsonBodyParser } from './problem/json-body.js';
import { answerClientError, answerFrameworkError, refuseLongRequestTarget } from './problem/framework-errors.js';
import { ProblemDetailsFilter } from './problem/problem-details.filter.js';
import { securityHeaders } from './security-headers.js';
import { installCallerTraceDrop, installServerSpans, type CallerTrace } from './tracing/server-spans.js';
import type { DomainErrorStatusMap } from './problem/problem-mapper.js';

/** 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Node's own defaults (300 s for a request, 60 s for its headers) let slow clients hold sockets for minutes. */
export const HTTP_TIMEOUT_DEFAULTS = Object.freeze({
  /** The whole request (headers and body) must have arrived within this. */
  requestTimeoutMs: 30_000,
  /** The request's headers must have arrived within this. */
  headersTimeoutMs: 10_000,
  /** An idle keep-alive connection is closed after this: above the idle timeout of a load balancer in front (60 s for most). */
  keepAliveTimeoutMs: 65_000,
});

export interface HttpServerOptions {
  /** Largest JSON body accepted, in bytes (or `'512kb'`, `'1mb'`); bigger ones answer 413. 1 MiB by default. */
  readonly bodyLimit?: string | number;
  /** Fastify's `trustProxy`: how many proxies in front are trusted for `X-Forwarded-For` (none by default). */
  readonly trustProxy?: number | boolean;
  readonly requestTimeoutMs?: number;
  readonly headersTimeoutMs?: number;
  readonly keepAliveTimeoutMs?: number;
}

/**
 * `HTTP_REQUEST_TIMEOUT_MS` and `HTTP_HEADERS_TIMEOUT_MS` (both optional, whole milliseconds, the
 * headers' no longer than the request's). Throws naming the bad variable, so that a start fails.
 */
export function httpTimeoutsFromEnv(env: NodeJS.ProcessEnv = process.env): Pick<HttpServerOptions, 'requestTimeoutMs' | 'headersTimeoutMs'> {
  const read = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1_000 || value > 600_000)
      throw new Error(`${name} must be a whole number of milliseconds between 1000 and 600000, not '${raw}'`);
    return value;
  };
  const requestTimeoutMs = read('HTTP_REQUEST_TIMEOUT_MS', HTTP_TIMEOUT_DEFAULTS.requestTimeoutMs);
  const headersTimeoutMs = read('HTTP_HEADERS_TIMEOUT_MS', Math.min(HTTP_TIMEOUT_DEFAULTS.headersTimeoutMs, requestTimeoutMs));
  if (headersTimeoutMs > requestTimeoutMs)
    throw new Error(`HTTP_HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not exceed HTTP_REQUEST_TIMEOUT_MS (${requestTimeoutMs})`);
  return { requestTimeoutMs, headersTimeoutMs };
}

/** `'1mb'`, `'512kb'` or a number of bytes, in bytes. */
export function bytesOf(limit: string | number): number {
  if (typeof limit === 'number') return limit;
  const match = /^(\d+)\s*(b|kb|mb)?$/i.exec(limit.trim());
  if (!match) throw new Error(`not a size: '${limit}'`);
  return Number(match[1]) * ({ b: 1, kb: 1024, mb: 1024 * 1024 }[(match[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb'] ?? 1);
}

/** proxy-addr's trust function for `hops` proxies in front: the addresses `hops` steps back from the socket (the socket is step 0). */
const trustHops =
  (hops: number) =>
  (_address: string, step: number): boolean =>
    step < hops;

/**
 * The Fastify adapter every app is created with (`NestFactory.create(module, createHttpAdapter(), { bodyParser: false })`):
 * the body limit, the trusted proxies and bounded timeouts. Timeouts from `HTTP_*_TIMEOUT_MS` unless given.
 */
export function createHttpAdapter(options: HttpServerOptions = {}): FastifyAdapter {
  const timeouts = { ...HTTP_TIMEOUT_DEFAULTS, ...httpTimeoutsFromEnv(), ...definedOf(options) };
  return new FastifyAdapter({
    bodyLimit: bytesOf(options.bodyLimit ?? DEFAULT_BODY_LIMIT),
    // Fastify 5.12 reads a bare hop count as "trust nobody" (X-Forwarded-For ignored): the count is
    // given as proxy-addr's function, which trusts the socket's peer and the next `hops - 1` entries.
    trustProxy: typeof options.trustProxy === 'number' ? trustHops(options.trustProxy) : (options.trustProxy ?? false),
    requestTimeout: timeouts.requestTimeoutMs,
    keepAliveTimeout: timeouts.keepAliveTimeoutMs,
    http: {
      headersTimeout: timeouts.headersTimeoutMs,
      // Node looks for overdue requests this often (30 s by default, which would stretch every timeout by as much).
      connectionsCheckingInterval: Math.min(2_000, Math.ceil(timeouts.headersTimeoutMs / 2)),
    },
    // The routes are matched as Express did: `/me/` is `/me`.
    routerOptions: { ignoreTrailingSlash: true },
    // What the router and Node's HTTP parser refuse before any hook runs is problem+json too.
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
  });
}

export interface HttpAppOptions {
  /** The app's name (`gateway`, `order`, …): its logger's, and its server spans' `shop.service`. */
  readonly service: string;
  /**
   * A service: the verifier of the gateway's internal token, so that it serves only calls from the
   * gateway. The gateway itself (which authenticates users on its own): `false`.
   */
  readonly gatewayOnly: InternalTokenVerifier | false;
  /** The HTTP status of each domain error code the service raises (`{ SOLD_OUT: 409 }`); others answer 422. */
  readonly domainErrorStatus?: DomainErrorStatusMap;
  /** Largest JSON body accepted; bigger ones answer 413. 1 MiB by default. */
  readonly bodyLimit?: string | number;
  readonly logger?: Logger;
  /** Who is signed in, for the access log (a service: the identity of the internal token). */
  readonly userIdOf?: (request: FastifyRequest) => string | undefined;
  /** Origins allowed to call from a browser (exact, `https://shop.example`); none by default. */
  readonly corsOrigins?: readonly string[];
  /**
   * Whether the handler runs inside `MessageContext` (an `AsyncLocalStorage`), so that its outbox
   * events and log lines carry the correlation id; `true` by default. `false` only for an app that
   * writes no events and puts the id on its per-request log lines itself (the gateway): the first
   * `AsyncLocalStorage.run` in a process turns on Node's promise hooks, a cost on every promise.
   */
  readonly requestContext?: boolean;
  /**
   * What the server does with its caller's W3C trace context (`traceparent`, `tracestate`): `continue`
   * it (default: a service, which only the gateway calls), or `link` to it from a trace of its own and
   * drop the headers (the gateway, unless its clients are trusted: `GATEWAY_TRUST_CLIENT_TRACE`).
   */
  readonly callerTrace?: CallerTrace;
}

const identityUserId = (request: FastifyRequest): string | undefined => (request as unknown as RequestWithIdentity)[REQUEST_IDENTITY]?.userId;

/**
 * Sets up an app's HTTP edge the same way in every service: correlation ids (first, so that every
 * answer carries one), a server span per request when tracing is on, security headers, the one strict JSON body parser with a size and depth
 * limit, problem+json for every error, one access log line per request and, on services, the
 * gateway-only guard. Create the app with `createHttpAdapter()` and `{ bodyParser: false }`.
 */
export function configureHttpApp<App extends NestFastifyApplication>(app: App, options: HttpAppOptions): App {
  const logger = options.logger ?? createLogger(options.service);
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  installCorrelation(fastify, { requestContext: options.requestContext ?? true });
  // Tracing is started before any app is created; off, not even a hook is added, unless the caller's
  // trace headers must be dropped (they would reach the services behind).
  const callerTrace = options.callerTrace ?? 'continue';
  if (tracingEnabled()) installServerSpans(fastify, { service: options.service, callerTrace });
  else if (callerTrace === 'link') installCallerTraceDrop(fastify);
  fastify.addHook('onRequest', refuseLongRequestTarget);
  // An API answers JSON only: nothing may be framed, run or loaded from its answers.
  void fastify.register(
    securityHeaders({
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      // HSTS is for whatever terminates TLS in front (the gateway's own answers travel over it).
      strictTransportSecurity: false,
      crossOriginResourcePolicy: { policy: 'same-origin' },
    }),
  );
  if (options.corsOrigins && options.corsOrigins.length > 0) {
    // Exact origins only, and no credentials: the API authenticates with a bearer token, not cookies.
    // A browser hides every answer header but a few unless exposed: a front-end needs these to retry,
    // report, follow a created resource, send conditional or idempotent requests and page (Link, Next-Cursor).
    app.enableCors({
      origin: [...options.corsOrigins],
      credentials: false,
      maxAge: 600,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'if-match', 'if-none-match', 'x-correlation-id'],
      exposedHeaders: ['retry-after', 'x-correlation-id', 'location', 'etag', 'idempotent-replayed', 'link', 'next-cursor'],
    });
  }
  installJsonBodyParser(fastify, bytesOf(options.bodyLimit ?? DEFAULT_BODY_LIMIT));
  installAccessLog(fastify, logger, options.userIdOf ?? identityUserId);
  app.useGlobalFilters(new ProblemDetailsFilter({ logger, domainErrorStatus: options.domainErrorStatus ?? {} }));
  if (options.gatewayOnly) app.useGlobalGuards(new GatewayOnlyGuard(app.get(Reflector), options.gatewayOnly, logger));
  return app;
}

/**
 * One line per answered request, at info: method, route template (never the raw URL, which may carry
 * ids or tokens in a query), status, duration, correlation id and the signed-in user. Never a body
 * or a header.
 */
function installAccessLog(fastify: FastifyInstance, logger: Logger, userIdOf: (request: FastifyRequest) => string | undefined): void {
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (logger.isLevelEnabled('info')) {
      logger.info(
        {
          method: request.method,
          route: request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched'),
          status: reply.statusCode,
          durationMs: Math.round(reply.elapsedTime * 10) / 10,
          correlationId: correlationIdOf(request),
          userId: userIdOf(request),
        },
        'request',
      );
    }
    done();
  });
}

function definedOf(options: HttpServerOptions): Partial<HttpServerOptions> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

/**
 * `CORS_ORIGINS`: a comma-separated list of exact origins (`https://shop.example,http://localhost:5173`)
 * allowed to call from a browser; empty or unset, none. `*` and anything with a path are refused.
 */
export function corsOriginsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const origins = (env['CORS_ORIGINS'] ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin) {
      throw new Error(`CORS_ORIGINS must list exact origins such as https://shop.example (scheme, host, optional port; no '*', no path), not '${origin}'`);
    }
  }
  return origins;
}
