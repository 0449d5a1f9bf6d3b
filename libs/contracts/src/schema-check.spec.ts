import { randomUUID } from 'node:crypto';
import { Type } from 'typebox';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { schemaCheck } from './schema-check.js';
import { ProviderCallback } from './payment/payment.http.js';

const callback: ProviderCallback = {
  eventId: randomUUID(),
  type: 'payment.succeeded',
  paymentId: randomUUID(),
  providerPaymentId: 'sbx_1',
  amount: 1999,
  currency: 'CNY',
  occurredAt: new Date().toISOString(),
};

describe('schemaCheck(schema)', () => {
  const check = schemaCheck(ProviderCallback);

  it('says whether a value matches, and finds no problem in one that does', () => {
    expect(check(callback)).toBe(true);
    expect(check.problems(callback)).toEqual([]);
    expect(check({ ...callback, amount: -1 })).toBe(false);
  });

  it('names every problem with the path of its value, not only the first', () => {
    const problems = check.problems({ ...callback, amount: '1999', currency: 'cny', extra: true });
    expect(problems.map((p) => p.path).sort()).toEqual(['', '/amount', '/currency']);
    expect(problems.every((p) => p.message.length > 0)).toBe(true);
    expect(check.problems('not an object')).toEqual([{ path: '', message: 'must be object' }]);
  });

  it('checks the formats (uuid, date-time)', () => {
    expect(check.problems({ ...callback, paymentId: 'p-1' }).map((p) => p.path)).toEqual(['/paymentId']);
    expect(check.problems({ ...callback, occurredAt: 'yesterday' }).map((p) => p.path)).toEqual(['/occurredAt']);
  });

  it('refuses a schema that is not valid in strict mode, at once (an unknown keyword, an unknown format)', () => {
    expect(() => schemaCheck({ type: 'string', minLenght: 3 })).toThrow(/minLenght/);
    expect(() => schemaCheck({ type: 'string', format: 'postcode' })).toThrow(/postcode/);
  });

  it('narrows the value to the schema’s static type', () => {
    const value: unknown = callback;
    if (check(value)) expectTypeOf(value).toEqualTypeOf<ProviderCallback>();
    expectTypeOf(schemaCheck(Type.Object({ n: Type.Integer() })))
      .parameter(0)
      .toBeUnknown();
  });
});
