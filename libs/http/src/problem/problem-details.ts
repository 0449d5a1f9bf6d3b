import { STATUS_CODES } from 'node:http';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** One field that failed validation; `field` is a dotted path into the body or query (`items.0.quantity`). */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** An error answer (RFC 9457) plus the stable `code` clients branch on. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly errors?: readonly FieldError[];
  /** The path of the request that failed. */
  readonly instance?: string;
  readonly correlationId?: string;
}

/** What an error means for the client, before it is bound to a request. */
export interface Problem {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly errors?: readonly FieldError[];
}

// A URN names the problem kind uniquely without promising a page to dereference (RFC 9457 §3.1.1).
export const problemType = (code: string): string => `urn:shop:problem:${code}`;

export function problemDetails(problem: Problem, request: { instance?: string; correlationId?: string } = {}): ProblemDetails {
  return {
    type: problemType(problem.code),
    title: STATUS_CODES[problem.status] ?? 'Error',
    status: problem.status,
    detail: problem.detail,
    code: problem.code,
    ...(problem.errors ? { errors: problem.errors } : {}),
    ...(request.instance !== undefined ? { instance: request.instance } : {}),
    ...(request.correlationId !== undefined ? { correlationId: request.correlationId } : {}),
  };
}
