import { HttpException } from '@nestjs/common';
import type { FieldError, Problem } from './problem-details.js';

/**
 * A failure the interface layer raises on purpose, with its status and stable code. The
 * `ProblemDetailsFilter` answers it as is; being an `HttpException`, it still answers with the
 * right status where that filter is not installed.
 */
export class ProblemException extends HttpException {
  constructor(
    readonly problem: Problem,
    options?: { cause?: unknown },
  ) {
    super(problem.detail, problem.status, options);
  }

  static of(status: number, code: string, detail: string, errors?: readonly FieldError[]): ProblemException {
    return new ProblemException({ status, code, detail, ...(errors ? { errors } : {}) });
  }
}
