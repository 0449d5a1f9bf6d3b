import type { FastifyReply, FastifyRequest } from 'fastify';
import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { MessageContext, type Logger } from '@shop/observability';
import { databaseErrorCodeOf } from '@shop/persistence';
import { CORRELATION_ID_HEADER } from '../correlation/correlation-id.js';
import { PROBLEM_CONTENT_TYPE, problemDetails } from './problem-details.js';
import { ProblemMapper, type DomainErrorStatusMap } from './problem-mapper.js';
import { pathOf } from '../request-path.js';

export interface ProblemDetailsFilterOptions {
  readonly logger: Logger;
  /** The status of each domain error code this service raises; unmapped codes answer 422. */
  readonly domainErrorStatus?: DomainErrorStatusMap;
}

/**
 * Answers every failure of an HTTP request as `application/problem+json` with a stable `code`:
 * domain errors by the service's map, refused bodies, validation failures, Nest's HTTP exceptions
 * (unknown route included), its database away or too slow (503 with `Retry-After`). Anything else
 * is a 500 whose real cause goes to the log only.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly mapper: ProblemMapper;
  private readonly logger: Logger;

  constructor(options: ProblemDetailsFilterOptions) {
    this.mapper = new ProblemMapper(options.domainErrorStatus);
    this.logger = options.logger;
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    // Event handlers have their own error path (retry, dead letter): not ours to answer.
    if (host.getType() !== 'http') throw exception;
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { problem, unexpected, retryAfterSeconds } = this.mapper.map(exception);
    const instance = pathOf(request.originalUrl ?? request.url ?? '');
    const correlationId = correlationIdOf(reply);
    // The id given explicitly: an app may run without MessageContext (the gateway), where the logger's mixin adds none.
    const route = { method: request.method, path: instance, status: problem.status, code: problem.code, correlationId };

    if (unexpected) this.logger.error({ err: exception, ...route }, 'request failed unexpectedly');
    // Every request says the same during an outage: the cause in one line, no stack.
    else if (retryAfterSeconds !== undefined)
      this.logger.warn({ ...route, cause: briefOf(exception) }, 'request failed for now: the database is away or too slow');
    else this.logger.debug(route, 'request refused');

    if (reply.raw.headersSent || reply.sent) {
      // Part of an answer is on the wire: cutting the connection is the only honest signal left.
      reply.raw.destroy();
      return;
    }
    const body = JSON.stringify(problemDetails(problem, { instance, correlationId }));
    // Through the reply, so that its hooks run (security headers, access log).
    if (retryAfterSeconds !== undefined) void reply.header('retry-after', String(retryAfterSeconds));
    void reply.status(problem.status).header('content-type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`).send(body);
  }
}

function correlationIdOf(reply: FastifyReply): string | undefined {
  // Fastify's getHeader also reads the headers set on the raw response (the correlation hook's).
  const header = reply.getHeader(CORRELATION_ID_HEADER);
  return typeof header === 'string' ? header : MessageContext.current()?.correlationId;
}

// Name, SQLSTATE or errno, message: enough to tell an outage from another, without the stack.
function briefOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = databaseErrorCodeOf(error);
  return `${error.name}${code ? ` ${code}` : ''}: ${error.message}`;
}
