import type { ServerResponse } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import type { HttpRoute } from '@shop/contracts';
import { CORRELATION_ID_HEADER, ProblemException } from '@shop/http';
import { LOGGER, type Logger } from '@shop/observability';
import { SERVICE_CLIENT } from '../../application/gateway.di-tokens.js';
import { ServiceTimeoutError, ServiceUnavailableError, type ServiceClient, type ServiceResponse } from '../../application/ports/service-client.js';
import { forwardedRequestHeaders, returnedResponseHeaders } from './forwarded-headers.js';
import { CALLER, type GatewayRequest } from './gateway-request.js';

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Sends a request on to the service that owns its route and answers with what the service said:
 * its status, its end-to-end headers and its body byte for byte (problem+json included). When no
 * answer comes, the client gets a problem of the gateway's own: 504 `SERVICE_TIMEOUT` or 503
 * `SERVICE_UNAVAILABLE` (with `Retry-After` while the service's circuit is open).
 */
@Injectable()
export class ServiceForwarder {
  constructor(
    @Inject(SERVICE_CLIENT) private readonly client: ServiceClient,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async forward(route: HttpRoute, request: GatewayRequest, response: ServerResponse): Promise<void> {
    let answer: ServiceResponse;
    try {
      answer = await this.client.send(route.service, {
        method: route.method,
        path: upstreamPathOf(route, request),
        headers: forwardedRequestHeaders(request.headers, request.ip),
        body: METHODS_WITH_BODY.has(route.method) ? request.body : undefined,
        caller: request[CALLER],
        correlationId: String(response.getHeader(CORRELATION_ID_HEADER)),
      });
    } catch (error) {
      throw this.problemFor(route, error, response);
    }
    response.statusCode = answer.status;
    for (const [name, value] of returnedResponseHeaders(answer.headers)) response.appendHeader(name, value);
    // 204 and 304 carry neither a body nor its length (RFC 9110 §8.6).
    if (answer.status !== 204 && answer.status !== 304) response.setHeader('content-length', answer.body.byteLength);
    response.end(answer.body);
  }

  private problemFor(route: HttpRoute, error: unknown, response: ServerResponse): unknown {
    const service = route.service;
    if (error instanceof ServiceTimeoutError) {
      this.logger.warn({ upstream: service, route: route.operationId, timeoutMs: error.timeoutMs }, 'service did not answer in time');
      return ProblemException.of(504, 'SERVICE_TIMEOUT', `The ${service} service did not answer in time; the request may or may not have taken effect.`);
    }
    if (error instanceof ServiceUnavailableError) {
      if (error.reason === 'unreachable') this.logger.warn({ upstream: service, route: route.operationId, err: error.cause }, 'service unreachable');
      if (error.retryAfterSeconds !== undefined) response.setHeader('retry-after', String(error.retryAfterSeconds));
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
