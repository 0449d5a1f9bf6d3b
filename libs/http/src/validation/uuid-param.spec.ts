import type { ArgumentMetadata } from '@nestjs/common';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ProblemException } from '../problem/problem.exception.js';
import { uuidParam, type UuidParams } from './uuid-param.js';

const param: ArgumentMetadata = { type: 'param' };
const id = '0f8fad5b-d9cb-469f-a165-70867728950e';

function problemOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ProblemException);
    return (error as ProblemException).problem;
  }
  throw new Error('expected the pipe to refuse');
}

describe('uuidParam', () => {
  it('lets a UUID through as sent, typed as the named param', () => {
    const params = uuidParam('orderId').transform({ orderId: id }, param);
    expect(params).toEqual({ orderId: id });
    expectTypeOf(params).toEqualTypeOf<UuidParams<'orderId'>>();
    expect(uuidParam('orderId').transform({ orderId: id.toUpperCase() }, param)).toEqual({ orderId: id.toUpperCase() });
  });

  it.each([
    ['not a uuid', 'abc'],
    ['a URN (the uuid format alone admits it)', `urn:uuid:${id}`],
    ['a uuid without its dashes', id.replaceAll('-', '')],
    ['a uuid with braces', `{${id}}`],
    ['empty', ''],
  ])('refuses %s with 400 VALIDATION_FAILED naming the param', (_, value) => {
    const problem = problemOf(() => uuidParam('templateId').transform({ templateId: value }, param));
    expect(problem).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', detail: 'The request param is invalid.' });
    expect(new Set(problem.errors?.map((error) => error.field))).toEqual(new Set(['templateId']));
  });

  it('one pipe per name: the same for the same name, its own for another', () => {
    expect(uuidParam('orderId')).toBe(uuidParam('orderId'));
    expect(uuidParam('orderId')).not.toBe(uuidParam('templateId'));
    expect(() => uuidParam('templateId').transform({ orderId: id }, param)).toThrow(ProblemException);
  });
});
