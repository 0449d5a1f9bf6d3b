import { Inject, Injectable } from '@nestjs/common';
import type { HttpRoute } from '@shop/contracts';
import type { FastifyReply } from 'fastify';
import { CORRELATION_ID_HEADER, ProblemException, correlationIdOf, rawBodyOf } from '@shop/http';
import { LOGGER, type Logger } from '@shop/observability';
import { SERVICE_CLIENT } from '../../application/gateway.di-tokens.js';
import {
  ServiceBusyError,
  ServiceTimeoutError,
  ServiceUnavailableError,
  type ServiceClient,
  type ServiceResponse,
} from '../../application/ports/service-client.js';
import { forwardedRequestHeaders, returnedResponseHeaders } from './forwarded-headers.js';
import { CALLER, UPSTREAM_ANSWER, type GatewayRequest, type UpstreamAnswer } from './gateway-request.js';

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Sends a request on to the service that owns its route and answers with what the service said:
 * its status, its end-to-end headers and its body byte for byte (problem+json included). The client's
 * body goes on as JSON written again, but for a route whose sender signs it (`signedBody`: a payment
 * provider's callback), whose bytes go on exactly as they came, with the headers it names. When no
 * answer comes, the client gets a problem of the gateway's own: 504 `SERVICE_TIMEOUT` or 503
 * `SERVICE_UNAVAILABLE` (with `Retry-After` while the service's circuit is open), or 503
 * `SERVICE_BUSY` with `Retry-After` when too many calls to the service are already in flight.
 */
@Injectable()
export class ServiceForwarder {
  constructor(
    @Inject(SERVICE_CLIENT) private readonly client: ServiceClient,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async forward(route: HttpRoute, request: GatewayRequest, reply: FastifyReply): Promise<void> {
    // Serialised here, outside the breaker: a body that cannot be (the parser bounds its depth) is this
    // request's fault and must never count as a failure of the service.
    const body = METHODS_WITH_BODY.has(route.method) && request.body !== undefined ? bodyOf(route, request) : undefined;
    let answer: ServiceResponse;
    try {
      answer = await this.client.send(route.service, {
        method: route.method,
        path: upstreamPathOf(route, request),
        headers: forwardedRequestHeaders(request.headers, request.ip, route.signedBody?.headers),
        body,
        caller: request[CALLER],
        correlationId: String(reply.raw.getHeader(CORRELATION_ID_HEADER)),
      });
    } catch (error) {
      throw this.problemFor(route, error, request, reply);
    }
    if (route.credentials) request[UPSTREAM_ANSWER] = upstreamAnswerOf(answer);
    const headers: Record<string, string> = {};
    for (const [name, value] of returnedResponseHeaders(answer.headers)) {
      const seen = headers[name];
      // A repeated field is one list (RFC 9110 §5.3); Set-Cookie, the one that cannot be, is never returned.
      headers[name] = seen === undefined ? value : `${seen}, ${value}`;
    }
    // Fastify sets the length (none for 204 and 304) and sends the bytes as they came.
    await reply
      .status(answer.status)
      .headers(headers)
      .send(Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength));
  }

  private problemFor(route: HttpRoute, error: unknown, request: GatewayRequest, reply: FastifyReply): unknown {
    const service = route.service;
    // Given explicitly: the gateway runs without MessageContext (see main.ts).
    const correlationId = correlationIdOf(request);
    if (error instanceof ServiceTimeoutError) {
      this.logger.warn({ upstream: service, route: route.operationId, timeoutMs: error.timeoutMs, correlationId }, 'service did not answer in time');
      return ProblemException.of(504, 'SERVICE_TIMEOUT', `The ${service} service did not answer in time; the request may or may not have taken effect.`);
    }
    if (error instanceof ServiceBusyError) {
      reply.raw.setHeader('retry-after', String(error.retryAfterSeconds));
      return ProblemException.of(503, 'SERVICE_BUSY', `The ${service} service has too many requests in flight; try again shortly.`);
    }
    if (error instanceof ServiceUnavailableError) {
      if (error.reason === 'unreachable')
        this.logger.warn({ upstream: service, route: route.operationId, err: error.cause, correlationId }, 'service unreachable');
      if (error.retryAfterSeconds !== undefined) reply.raw.setHeader('retry-after', String(error.retryAfterSeconds));
      return ProblemException.of(503, 'SERVICE_UNAVAILABLE', `The ${service} service is unavailable; try again later.`);
    }
    return error;
  }
}

/**
 * The service's path, rebuilt from the route's template rather than copied from the client's URL,
 * so that a parameter can never climb out of it (`..`) once the URL is normalised; the query
 * string is passed on as sent.
 */
export function upstreamPathOf(route: HttpRoute, request: Pick<GatewayRequest, 'params' | 'originalUrl'>): string {
  const path = route.path.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = request.params[name] ?? '';
    if (value === '' || value === '.' || value === '..') throw ProblemException.of(404, 'NOT_FOUND', 'No such resource.');
    return encodeURIComponent(value);
  });
  const query = request.originalUrl.indexOf('?');
  return query === -1 ? path : `${path}${request.originalUrl.slice(query)}`;
}

/** The status of a service's answer, and the `code` of a problem answer (read only for the routes that check credentials). */
export function upstreamAnswerOf({ status, body }: Pick<ServiceResponse, 'status' | 'body'>): UpstreamAnswer {
  if (status < 400) return { status };
  try {
    const code: unknown = (JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')) as { code?: unknown } | null)?.code;
    return typeof code === 'string' ? { status, code } : { status };
  } catch {
    return { status };
  }
}

/**
 * What is sent on of a parsed body: for a `signedBody` route the bytes the parser read, untouched (a
 * signature is over them, and any re-encoding of whitespace, key order or escapes would break it);
 * for every other route the JSON written again.
 */
export function bodyOf(route: Pick<HttpRoute, 'signedBody'>, request: Pick<GatewayRequest, 'body'>): string | Uint8Array {
  if (route.signedBody) {
    const raw = rawBodyOf(request);
    // The parser keeps the bytes of every body it accepts: without them the signature could not be checked, and re-encoding would break it.
    if (raw === undefined) throw ProblemException.of(400, 'MALFORMED_JSON', 'The request body cannot be passed on as it was sent.');
    return raw;
  }
  return jsonOf(request.body);
}

/** The body as the JSON text sent on; 400 for one that cannot be written again (too deep, a cycle). */
export function jsonOf(body: unknown): string {
  try {
    return JSON.stringify(body);
  } catch {
    throw ProblemException.of(400, 'MALFORMED_JSON', 'The request body cannot be passed on as JSON.');
  }
}
