import { BadRequestException, ForbiddenException, HttpException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { DomainError, InvalidValueError } from '@shop/shared-kernel';
import { errorCodes } from 'fastify';
import { QueryFailedError } from 'typeorm';
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

  it('lets a service choose another status for INVALID_VALUE, never a 5xx (503 included) for a domain error', () => {
    expect(new ProblemMapper({ INVALID_VALUE: 422 }).map(new InvalidValueError('x', 'bad')).problem.status).toBe(422);
    for (const status of [500, 502, 503, 504, 399, 200, 422.5]) expect(() => new ProblemMapper({ SOLD_OUT: status }), String(status)).toThrow(/4xx/);
  });

  it('answers a domain error without Retry-After: it is the request’s outcome, not an outage', () => {
    expect(new ProblemMapper({ SOLD_OUT: 409 }).map(new DomainError('SOLD_OUT', 'gone')).retryAfterSeconds).toBeUndefined();
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

  describe('a database that is away or too slow', () => {
    const coded = (code: string, message = 'driver says no') => Object.assign(new Error(message), { code });
    const wrapped = (driverError: Error) => new QueryFailedError('SELECT 1', [], driverError);

    it('answers a connection-class error (isConnectionError of @shop/persistence) as 503 DATABASE_UNAVAILABLE with a retry hint, not unexpected', () => {
      const connectionErrors: unknown[] = [
        coded('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.3:5432'),
        wrapped(coded('ECONNRESET', 'read ECONNRESET')),
        new Error('Connection terminated unexpectedly'),
        new Error('timeout exceeded when trying to connect'),
        wrapped(new Error('Query read timeout')),
        wrapped(coded('08006')),
        wrapped(coded('57P01', 'terminating connection due to administrator command')),
        wrapped(coded('SQLITE_BUSY', 'database is locked')),
        new AggregateError([coded('ECONNREFUSED')], ''),
        new Error('use case failed', { cause: wrapped(coded('57P03', 'the database system is starting up')) }),
        // A 5xx HTTP exception (not the request's fault) wrapping a lost connection is the outage too.
        new ServiceUnavailableException('db', { cause: coded('ECONNREFUSED') }),
      ];
      for (const thrown of connectionErrors) {
        const mapped = mapper.map(thrown);
        expect(mapped, String(thrown)).toEqual({
          problem: { status: 503, code: 'DATABASE_UNAVAILABLE', detail: expect.any(String) },
          unexpected: false,
          retryAfterSeconds: 1,
        });
        expect(mapped.problem.detail).not.toMatch(/10\.0\.0\.3|ECONN|5432/);
      }
    });

    it('answers a statement or lock wait past its deadline (57014, 55P03) as 503 DATABASE_TIMEOUT with a retry hint', () => {
      for (const code of ['57014', '55P03']) {
        expect(mapper.map(wrapped(coded(code, 'canceling statement due to statement timeout')))).toEqual({
          problem: { status: 503, code: 'DATABASE_TIMEOUT', detail: expect.any(String) },
          unexpected: false,
          retryAfterSeconds: 1,
        });
      }
    });

    it('leaves a failure of the work itself a 500, and the request’s own refusals as they were', () => {
      for (const code of ['23505', '42601', '22P02', '40001']) {
        expect(mapper.map(wrapped(coded(code)))).toMatchObject({ problem: { status: 500, code: 'INTERNAL' }, unexpected: true });
        expect(mapper.map(wrapped(coded(code)))).not.toHaveProperty('retryAfterSeconds');
      }
      // A domain error or a 4xx whose cause happens to be a lost connection still answers as itself.
      const soldOut = Object.assign(new DomainError('SOLD_OUT', 'No coupon left.'), { cause: coded('ECONNRESET') });
      expect(mapper.map(soldOut).problem.status).toBe(409);
      expect(mapper.map(new BadRequestException('bad', { cause: coded('ECONNRESET') })).problem).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    });
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
