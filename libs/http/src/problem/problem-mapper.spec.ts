import { BadRequestException, ForbiddenException, HttpException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { DomainError, InvalidValueError } from '@shop/shared-kernel';
import { describe, expect, it } from 'vitest';
import { ProblemMapper } from './problem-mapper.js';
import { ProblemException } from './problem.exception.js';

const mapper = new ProblemMapper({ SOLD_OUT: 409, EMAIL_TAKEN: 409 });

/** What body-parser raises (an http-errors instance), as Express hands it on. */
const bodyParserError = (status: number, type: string, extra: object = {}) =>
  Object.assign(new Error('raw parser message'), { status, statusCode: status, expose: true, type, ...extra });

describe('ProblemMapper', () => {
  it('maps domain errors by the service map, 422 when unmapped', () => {
    expect(mapper.map(new DomainError('SOLD_OUT', 'No coupon left.'))).toEqual({
      problem: { status: 409, code: 'SOLD_OUT', detail: 'No coupon left.' },
      unexpected: false,
    });
    expect(mapper.map(new DomainError('NOT_CLAIMABLE', 'Not now.')).problem).toMatchObject({ status: 422, code: 'NOT_CLAIMABLE' });
  });

  it('maps INVALID_VALUE to 400 with the field', () => {
    expect(mapper.map(new InvalidValueError('email', 'is not an email address')).problem).toEqual({
      status: 400,
      code: 'INVALID_VALUE',
      detail: 'email: is not an email address',
      errors: [{ field: 'email', message: 'is not an email address' }],
    });
  });

  it('lets a service choose another status for INVALID_VALUE, never a 5xx for a domain error', () => {
    expect(new ProblemMapper({ INVALID_VALUE: 422 }).map(new InvalidValueError('x', 'bad')).problem.status).toBe(422);
    expect(() => new ProblemMapper({ SOLD_OUT: 503 })).toThrow(/4xx/);
  });

  it('answers a ProblemException as raised', () => {
    const problem = { status: 429, code: 'RATE_LIMITED', detail: 'Slow down.' };
    expect(mapper.map(new ProblemException(problem))).toEqual({ problem, unexpected: false });
  });

  it("maps Nest's HTTP exceptions to a code for their status", () => {
    expect(mapper.map(new NotFoundException('Cannot GET /nowhere')).problem).toEqual({ status: 404, code: 'NOT_FOUND', detail: 'Cannot GET /nowhere' });
    expect(mapper.map(new ForbiddenException()).problem).toMatchObject({ status: 403, code: 'FORBIDDEN', detail: 'Forbidden' });
    expect(mapper.map(new BadRequestException(['a must be set', 'b too'])).problem).toMatchObject({ code: 'BAD_REQUEST', detail: 'a must be set; b too' });
    expect(mapper.map(new HttpException('Gone for good', 410)).problem).toMatchObject({ status: 410, code: 'GONE' });
    expect(mapper.map(new HttpException('teapot', 418)).problem).toMatchObject({ status: 418, code: 'I_M_A_TEAPOT' });
  });

  it('recognises refused bodies, raw or wrapped by the Express adapter', () => {
    const malformed = bodyParserError(400, 'entity.parse.failed');
    expect(mapper.map(malformed).problem).toMatchObject({ status: 400, code: 'MALFORMED_JSON' });
    expect(mapper.map(new BadRequestException('x', { cause: malformed })).problem).toMatchObject({ status: 400, code: 'MALFORMED_JSON' });
    const tooLarge = bodyParserError(413, 'entity.too.large', { limit: 1_048_576 });
    expect(mapper.map(new HttpException('too large', 413, { cause: tooLarge })).problem).toEqual({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      detail: 'The request body exceeds the limit of 1048576 bytes.',
    });
    expect(mapper.map(bodyParserError(415, 'encoding.unsupported')).problem).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(JSON.stringify(mapper.map(malformed))).not.toContain('raw parser message');
  });

  it('answers anything else as a generic 500 INTERNAL, flagged unexpected', () => {
    for (const thrown of [new Error('secret details'), new ServiceUnavailableException('db down at 10.0.0.3'), 'a string', undefined]) {
      const { problem, unexpected } = mapper.map(thrown);
      expect(unexpected).toBe(true);
      expect(problem).toMatchObject({ status: 500, code: 'INTERNAL' });
      expect(problem.detail).not.toMatch(/secret|10\.0\.0\.3/);
    }
  });
});
