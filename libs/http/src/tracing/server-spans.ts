import { ROOT_CONTEXT, SpanKind, context, trace, type Context, type Link, type Span } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { extractTraceContext, markSpanFailed, shopSpanAttributes } from '@shop/observability';
import { correlationIdOf } from '../correlation/correlation.middleware.js';
import { pathOf } from '../request-path.js';

const SERVER_SPAN = Symbol.for('shop.http.ServerSpan');

interface ServerSpan {
  readonly span: Span;
  /** The request's context: the caller's trace (when it sent one) with this span in it. */
  readonly context: Context;
}

type WithServerSpan = { [SERVER_SPAN]?: ServerSpan };

const KNOWN_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']);

/**
 * The operations endpoints (`/health`, `/health/live`, `/health/ready`, `/metrics`, under the gateway's
 * `/api/v1` too) make no span: probes and scrapes come every few seconds from every orchestrator and
 * Prometheus, and would bury the traces of real work.
 */
const UNTRACED_ROUTE = /\/(?:health(?:\/live|\/ready)?|metrics)$/;

/**
 * What a server does with the W3C trace context its caller sent:
 * - `continue`: its span is the caller's child (a service behind the gateway, which only the gateway calls);
 * - `link`: its span starts a new trace, linked to the caller's context (the gateway, facing the
 *   internet): a client must not decide sampling or trace ids, nor pin its requests into one endless
 *   trace; its `tracestate` goes nowhere, and both headers are dropped from the request, so that nothing
 *   passes them on.
 */
export type CallerTrace = 'continue' | 'link';

const CALLER_TRACE_HEADERS = ['traceparent', 'tracestate'] as const;

/**
 * One SERVER span per request, named `${method} ${route template}`: it starts at the first hook (so a
 * refused body or an unknown path has one too), continues the caller's W3C trace or links to it
 * (`callerTrace`), and ends when the response is done or its connection closed (ERROR on 5xx); health
 * probes and metrics scrapes are left out. The handler (guards, pipes, controller, what they await)
 * runs inside its context, entered in `preHandler` like the `MessageContext`: the body's stream events
 * would not keep a context entered earlier.
 *
 * Install it only when `tracingEnabled()`: it does nothing useful otherwise, and costs a little.
 */
export function installServerSpans(fastify: FastifyInstance, options: { readonly service: string; readonly callerTrace: CallerTrace }): void {
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const route = request.is404 ? undefined : request.routeOptions.url;
    if (route !== undefined && UNTRACED_ROUTE.test(route)) {
      if (options.callerTrace === 'link') dropCallerTrace(request);
      return done();
    }
    // Bounded: a repeated, malformed or oversized traceparent starts a trace of its own; an oversized tracestate is dropped.
    const received = extractTraceContext(request.headers);
    let parent = received;
    let links: Link[] | undefined;
    if (options.callerTrace === 'link') {
      const caller = trace.getSpanContext(received);
      // The caller's ids only: its tracestate is not carried anywhere.
      if (caller) links = [{ context: { ...caller, traceState: undefined } }];
      parent = ROOT_CONTEXT;
      dropCallerTrace(request);
    }
    const known = KNOWN_METHODS.has(request.method);
    const method = known ? request.method : '_OTHER';
    // Looked up each time, not kept: a tracer kept from before tracing was restarted (tests) would feed the old provider.
    const span = trace.getTracer('@shop/http').startSpan(
      `${known ? method : 'HTTP'}${route ? ` ${route}` : ''}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: method,
          ...(known ? {} : { [ATTR_HTTP_REQUEST_METHOD_ORIGINAL]: request.method }),
          ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}),
          // The path only: a query may carry ids or tokens, and stays out as it does of the access log.
          [ATTR_URL_PATH]: pathOf(request.url),
          [ATTR_URL_SCHEME]: request.protocol,
          [ATTR_SERVER_PORT]: request.socket.localPort,
          ...shopSpanAttributes(options.service, correlationIdOf(request)),
        },
        links,
      },
      parent,
    );
    (request as WithServerSpan)[SERVER_SPAN] = { span, context: trace.setSpan(parent, span) };
    // 'close' comes after the response is sent, and also when the connection dropped before it was.
    reply.raw.once('close', () => {
      const status = reply.raw.statusCode;
      if (reply.raw.writableFinished) {
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
        if (status >= 500) markSpanFailed(span, String(status));
      } else {
        // The client went away before the answer was sent: no status to name.
        markSpanFailed(span, 'connection_closed');
      }
      span.end();
    });
    done();
  });
  fastify.addHook('preHandler', (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    const server = (request as WithServerSpan)[SERVER_SPAN];
    if (server) context.with(server.context, done);
    else done();
  });
}

/**
 * `callerTrace: 'link'` with tracing off: the caller's trace headers are dropped all the same, so that
 * nothing behind this server continues a trace its caller chose.
 */
export function installCallerTraceDrop(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    dropCallerTrace(request);
    done();
  });
}

function dropCallerTrace(request: FastifyRequest): void {
  for (const name of CALLER_TRACE_HEADERS) if (request.headers[name] !== undefined) delete request.headers[name];
}
