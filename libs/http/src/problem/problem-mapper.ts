import { HttpException } from '@nestjs/common';
import { DomainError } from '@shop/shared-kernel';
import { fastifyBodyProblem } from './fastify-body-errors.js';
import { codeForStatus } from './http-status-codes.js';
import type { FieldError, Problem } from './problem-details.js';
import { ProblemException } from './problem.exception.js';

/** Per service: the HTTP status of each domain error code it can raise (`{ SOLD_OUT: 409 }`). */
export type DomainErrorStatusMap = Readonly<Record<string, number>>;

export interface MappedProblem {
  readonly problem: Problem;
  /** A fault of ours rather than of the request: logged with its stack, never shown. */
  readonly unexpected: boolean;
}

const UNMAPPED_DOMAIN_ERROR_STATUS = 422;
const DEFAULT_DOMAIN_ERROR_STATUS: DomainErrorStatusMap = { INVALID_VALUE: 400 };

export const INTERNAL_PROBLEM: Problem = {
  status: 500,
  code: 'INTERNAL',
  detail: 'An unexpected error occurred. Quote the correlation id when reporting it.',
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
