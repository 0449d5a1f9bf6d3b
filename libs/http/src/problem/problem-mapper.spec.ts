import { BadRequestException, ForbiddenException, HttpException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { DomainError, InvalidValueError } from '@shop/shared-kernel';
import { errorCodes } from 'fastify';
import { describe, expect, it } from 'vitest';
import { ProblemMapper } from './problem-mapper.js';
import { ProblemException } from './problem.exception.js';

const mapper = new ProblemMapper({ SOLD_OUT: 409, EMAIL_TAKEN: 409 });

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

  it('recognises the bodies Fastify refuses, raw or wrapped, without its message', () => {
    const tooLarge = new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE();
    expect(mapper.map(tooLarge).problem).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(mapper.map(new HttpException('too large', 413, { cause: tooLarge })).problem).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(mapper.map(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE()).problem).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    const shortBody = new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH();
    expect(mapper.map(shortBody).problem).toMatchObject({ status: 400, code: 'INCOMPLETE_BODY' });
    expect(JSON.stringify(mapper.map(shortBody))).not.toContain(shortBody.message);
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
