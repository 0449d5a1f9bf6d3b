import { HttpException } from '@nestjs/common';
import { isConnectionError, isDatabaseTimeout } from '@shop/persistence';
import { DomainError } from '@shop/shared-kernel';
import { fastifyBodyProblem } from './fastify-body-errors.js';
import { codeForStatus } from './http-status-codes.js';
import type { FieldError, Problem } from './problem-details.js';
import { ProblemException } from './problem.exception.js';

/**
 * Per service: the HTTP status of each domain error code it can raise (`{ SOLD_OUT: 409 }`), always a
 * 4xx: a domain error is the request's outcome (refused, conflicting, not found), never the service's
 * failure. Something the service depends on that fails (a payment provider) is an outcome of the use
 * case too (POST /payments: the attempt FAILED), not a 5xx that would page someone or open the gateway's circuit.
 */
export type DomainErrorStatusMap = Readonly<Record<string, number>>;

export interface MappedProblem {
  readonly problem: Problem;
  /** A fault of ours rather than of the request: logged with its stack, never shown. */
  readonly unexpected: boolean;
  /**
   * Set when the service cannot serve now through no fault of the request or of its code (its
   * database is away or too slow): answered with this `Retry-After`, logged at warn without a stack.
   */
  readonly retryAfterSeconds?: number;
}

const UNMAPPED_DOMAIN_ERROR_STATUS = 422;
const DEFAULT_DOMAIN_ERROR_STATUS: DomainErrorStatusMap = { INVALID_VALUE: 400 };

export const INTERNAL_PROBLEM: Problem = {
  status: 500,
  code: 'INTERNAL',
  detail: 'An unexpected error occurred. Quote the correlation id when reporting it.',
};

/**
 * A database back from an outage serves the very next request (the pool opens connections on
 * demand, no backoff of its own), so a first retry after 1 s is worth it; clients back off beyond
 * that, and once the gateway's circuit opens it answers with its own, longer `Retry-After`.
 */
export const DATABASE_RETRY_AFTER_SECONDS = 1;

// Neither promises that nothing changed: a connection lost during COMMIT leaves the outcome unknown.
export const DATABASE_UNAVAILABLE_PROBLEM: Problem = {
  status: 503,
  code: 'DATABASE_UNAVAILABLE',
  detail: 'The service cannot reach its database right now. Try again shortly.',
};

export const DATABASE_TIMEOUT_PROBLEM: Problem = {
  status: 503,
  code: 'DATABASE_TIMEOUT',
  detail: 'The service’s database did not complete the request in time. Try again shortly.',
};

/** Turns anything thrown while serving a request into the problem the client is told about. */
export class ProblemMapper {
  private readonly domainErrorStatus: DomainErrorStatusMap;

  constructor(domainErrorStatus: DomainErrorStatusMap = {}) {
    for (const [code, status] of Object.entries(domainErrorStatus)) {
      // A domain error is an expected outcome of the request; a 5xx would page someone for it.
      if (!Number.isInteger(status) || status < 400 || status > 499) {
        throw new Error(`domain error ${code} must map to a 4xx status, not ${status}`);
      }
    }
    this.domainErrorStatus = { ...DEFAULT_DOMAIN_ERROR_STATUS, ...domainErrorStatus };
  }

  map(exception: unknown): MappedProblem {
    if (exception instanceof ProblemException) return { problem: exception.problem, unexpected: false };
    if (exception instanceof DomainError) return { problem: this.domainProblem(exception), unexpected: false };
    const bodyProblem = fastifyBodyProblem(exception);
    if (bodyProblem) return { problem: bodyProblem, unexpected: false };
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      const status = exception.getStatus();
      return { problem: { status, code: codeForStatus(status), detail: httpExceptionDetail(exception) }, unexpected: false };
    }
    // After the HTTP exceptions of the request: a 5xx one wrapping a lost connection is the outage too.
    if (isConnectionError(exception)) return { problem: DATABASE_UNAVAILABLE_PROBLEM, unexpected: false, retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS };
    // 503, not 504: the service is no gateway to its database (RFC 9110 §15.6.5), the server cancelled
    // the statement (rolled back, unlike the gateway's 504 whose outcome is unknown), and the route's
    // own deadline already answers 503 (REQUEST_TIMED_OUT).
    if (isDatabaseTimeout(exception)) return { problem: DATABASE_TIMEOUT_PROBLEM, unexpected: false, retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS };
    return { problem: INTERNAL_PROBLEM, unexpected: true };
  }

  private domainProblem(error: DomainError): Problem {
    const status = this.domainErrorStatus[error.code] ?? UNMAPPED_DOMAIN_ERROR_STATUS;
    const errors = fieldErrorsOf(error);
    return { status, code: error.code, detail: error.message, ...(errors ? { errors } : {}) };
  }
}

// InvalidValueError names its field in details; its message reads `<field>: <what is wrong>`.
function fieldErrorsOf(error: DomainError): FieldError[] | undefined {
  const field = error.details?.['field'];
  if (typeof field !== 'string') return undefined;
  const prefix = `${field}: `;
  return [{ field, message: error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message }];
}

function httpExceptionDetail(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return exception.message;
}
