import { Pool, errors } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import { SpanKind, context, trace, type Span } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';
import { CORRELATION_ID_HEADER, INTERNAL_TOKEN_HEADER, type InternalTokenIssuer } from '@shop/http';
import { injectTraceContext, markSpanFailed, shopSpanAttributes, tracingEnabled } from '@shop/observability';
import { pathOf } from '@shop/http';
import {
  ServiceTimeoutError,
  ServiceUnavailableError,
  type ServiceClient,
  type ServiceRequest,
  type ServiceResponse,
} from '../../application/ports/service-client.js';
import type { ServiceName } from '../../application/service-name.js';

export interface UndiciServiceClientOptions {
  /** Base URL of each service (`http://127.0.0.1:3001`); the request path is appended to it. */
  readonly serviceUrls: Readonly<Record<ServiceName, string>>;
  /** Signs the identity of each call, so that the services trust it. */
  readonly tokens: InternalTokenIssuer;
  /** The whole call, answer body included, must be over within this. */
  readonly timeoutMs: number;
  /** Most connections kept open to one service (default 64); calls beyond wait for one. */
  readonly connectionsPerService?: number;
}

interface ServiceTarget {
  readonly pool: Pool;
  /** The base URL's path, without its trailing slash (`''` for most). */
  readonly basePath: string;
  readonly base: URL;
}

/** The service the gateway calls, on its CLIENT spans. */
const SHOP_TARGET_SERVICE_ATTRIBUTE = 'shop.target_service';

/**
 * Calls a service over HTTP through one undici connection pool per service (keep-alive, one request
 * at a time per connection, bounded): a fresh internal token carrying the caller (or none for an
 * anonymous call), the correlation id, the body as JSON (text, or a signed body's own bytes), and one
 * deadline for the whole exchange.
 * The headers it is given are sent as they are, and the answer's come back as they came: which ones
 * may cross the gateway is decided once, by the allowlists of the interface (forwarded-headers.ts).
 * No retries: a command may have had its effect before an answer was lost.
 *
 * When tracing is on, each call is a CLIENT span whose W3C context goes in `traceparent` /
 * `tracestate`, replacing any the client sent: the service continues the gateway's trace. Off, the
 * headers of the request pass as they are (the gateway's edge has dropped a client's unless trusted).
 */
export class UndiciServiceClient implements ServiceClient {
  private readonly targets = new Map<ServiceName, ServiceTarget>();

  constructor(private readonly options: UndiciServiceClientOptions) {}

  send(service: ServiceName, request: ServiceRequest): Promise<ServiceResponse> {
    if (!tracingEnabled()) return this.exchange(service, request, undefined);
    return this.traced(service, request);
  }

  private async traced(service: ServiceName, request: ServiceRequest): Promise<ServiceResponse> {
    const target = this.targetOf(service);
    // Looked up each time, not kept: a tracer kept from before tracing was restarted (tests) would feed the old provider.
    const span = trace.getTracer('@shop/gateway').startSpan(request.method, {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: request.method,
        [ATTR_SERVER_ADDRESS]: target.base.hostname,
        [ATTR_SERVER_PORT]: Number(target.base.port || (target.base.protocol === 'https:' ? 443 : 80)),
        // Without the query, as the access log: it may carry ids or tokens.
        [ATTR_URL_FULL]: `${target.base.origin}${target.basePath}${pathOf(request.path)}`,
        [SHOP_TARGET_SERVICE_ATTRIBUTE]: service,
        ...shopSpanAttributes('gateway', request.correlationId),
      },
    });
    try {
      const response = await this.exchange(service, request, span);
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.status);
      // A client span's error is any 4xx or 5xx (HTTP semantic conventions); the service's own span says which side failed.
      if (response.status >= 400) markSpanFailed(span, String(response.status));
      return response;
    } catch (error) {
      markSpanFailed(span, error instanceof ServiceTimeoutError ? 'timeout' : 'unreachable');
      throw error;
    } finally {
      span.end();
    }
  }

  private async exchange(service: ServiceName, request: ServiceRequest, span: Span | undefined): Promise<ServiceResponse> {
    const target = this.targetOf(service);
    const headers: Record<string, string> = {};
    // Lower-cased, so that ours below replace any the caller gave under another case.
    for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
    // Signed for the request target as sent (the base URL's path included): the service compares it with the one it receives.
    headers[INTERNAL_TOKEN_HEADER] = this.options.tokens.issue(
      { audience: service, method: request.method, path: `${target.basePath}${request.path}` },
      request.caller,
    );
    headers[CORRELATION_ID_HEADER] = request.correlationId;
    if (span) {
      // Both go, then the span's are set: a client tracestate must not ride along with the gateway's traceparent.
      delete headers['traceparent'];
      delete headers['tracestate'];
      Object.assign(headers, injectTraceContext(trace.setSpan(context.active(), span)));
    }
    // undici sets the length of the body it sends.
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    else delete headers['content-type'];

    const signal = AbortSignal.timeout(this.options.timeoutMs);
    try {
      const response = await target.pool.request({
        path: `${target.basePath}${request.path}`,
        method: request.method as 'GET',
        headers,
        body: request.body,
        signal,
      });
      const body = new Uint8Array(await response.body.arrayBuffer());
      return { status: response.statusCode, headers: responseHeaders(response.headers), body };
    } catch (error) {
      if (signal.aborted || error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError)
        throw new ServiceTimeoutError(service, this.options.timeoutMs, { cause: error });
      throw new ServiceUnavailableError(service, 'unreachable', undefined, { cause: error });
    }
  }

  /** Closes every pool's connections (the gateway is stopping). */
  async close(): Promise<void> {
    const pools = [...this.targets.values()].map((target) => target.pool.close());
    this.targets.clear();
    await Promise.allSettled(pools);
  }

  private targetOf(service: ServiceName): ServiceTarget {
    const existing = this.targets.get(service);
    if (existing) return existing;
    const base = new URL(this.options.serviceUrls[service]);
    const timeoutMs = this.options.timeoutMs;
    const target: ServiceTarget = {
      pool: new Pool(base.origin, {
        connections: this.options.connectionsPerService ?? 64,
        pipelining: 1,
        // The deadline above bounds the exchange; these only keep undici's own defaults (300 s) out of the way.
        headersTimeout: timeoutMs + 1_000,
        bodyTimeout: timeoutMs + 1_000,
        // Below the services' keep-alive (65 s), so that the gateway drops an idle connection first.
        keepAliveTimeout: 4_000,
      }),
      basePath: base.pathname.replace(/\/+$/, ''),
      base,
    };
    this.targets.set(service, target);
    return target;
  }
}

function responseHeaders(headers: IncomingHttpHeaders): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    // Repeated fields (cookies above all) come one by one.
    for (const one of Array.isArray(value) ? value : [value]) pairs.push([name, one]);
  }
  return pairs;
}
