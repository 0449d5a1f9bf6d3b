import { describe, expect, it } from 'vitest';
import { problemDetails } from './problem-details.js';

describe('problemDetails', () => {
  it('adds type, title and the request to a problem, leaving out what is unknown', () => {
    expect(problemDetails({ status: 409, code: 'SOLD_OUT', detail: 'No coupon left.' })).toEqual({
      type: 'urn:shop:problem:SOLD_OUT',
      title: 'Conflict',
      status: 409,
      detail: 'No coupon left.',
      code: 'SOLD_OUT',
    });
    expect(
      problemDetails(
        { status: 400, code: 'VALIDATION_FAILED', detail: 'x', errors: [{ field: 'a', message: 'is required' }] },
        { instance: '/orders', correlationId: 'c-1' },
      ),
    ).toMatchObject({ title: 'Bad Request', errors: [{ field: 'a', message: 'is required' }], instance: '/orders', correlationId: 'c-1' });
  });
});
