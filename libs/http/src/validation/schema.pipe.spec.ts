import Type, { type Static } from 'typebox';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ArgumentMetadata } from '@nestjs/common';
import { ProblemException } from '../problem/problem.exception.js';
import { MAX_FIELD_ERRORS, dottedPath } from './field-errors.js';
import { SchemaPipe } from './schema.pipe.js';

const PlaceOrderSchema = Type.Object(
  {
    items: Type.Array(
      Type.Object({ sku: Type.String({ minLength: 1, maxLength: 64 }), quantity: Type.Integer({ minimum: 1, maximum: 999 }) }, { additionalProperties: false }),
      { minItems: 1, maxItems: 50 },
    ),
    couponId: Type.Optional(Type.String({ format: 'uuid' })),
    pointsToUse: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000 })),
    channel: Type.Optional(Type.Enum(['web', 'app'])),
  },
  { additionalProperties: false },
);

const body: ArgumentMetadata = { type: 'body' };
const pipe = new SchemaPipe(PlaceOrderSchema);

function problemOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ProblemException);
    return (error as ProblemException).problem;
  }
  throw new Error('expected the pipe to refuse');
}

describe('SchemaPipe', () => {
  it('returns a valid value as it came, typed by the schema', () => {
    const order = { items: [{ sku: 'tea', quantity: 2 }], pointsToUse: 0 };
    const valid = pipe.transform(order, body);
    expect(valid).toBe(order);
    expectTypeOf(valid).toEqualTypeOf<Static<typeof PlaceOrderSchema>>();
    expectTypeOf(valid.items[0]!.quantity).toEqualTypeOf<number>();
  });

  it('never coerces: a number written as a string is a wrong type', () => {
    expect(problemOf(() => pipe.transform({ items: [{ sku: 'tea', quantity: '2' }] }, body))).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
      detail: 'The request body is invalid.',
      errors: [{ field: 'items.0.quantity', message: 'must be integer' }],
    });
    expect(problemOf(() => pipe.transform({ items: [{ sku: 'tea', quantity: true }] }, body)).errors).toEqual([
      { field: 'items.0.quantity', message: 'must be integer' },
    ]);
  });

  it('refuses negative, fractional, huge and non-finite numbers as the schema bounds them', () => {
    const quantity = (value: unknown) => problemOf(() => pipe.transform({ items: [{ sku: 'tea', quantity: value }] }, body)).errors;
    expect(quantity(-1)).toEqual([{ field: 'items.0.quantity', message: 'must be >= 1' }]);
    expect(quantity(1.5)).toEqual([{ field: 'items.0.quantity', message: 'must be integer' }]);
    expect(quantity(1e21)).toEqual([{ field: 'items.0.quantity', message: 'must be <= 999' }]);
    expect(quantity(Infinity)).toEqual([expect.objectContaining({ field: 'items.0.quantity' })]);
  });

  it('lists every problem, one per field, with nested paths', () => {
    const errors = problemOf(() => pipe.transform({ items: [{ sku: '', extra: 1 }], couponId: 'nope', channel: 'fax', price: 1 }, body)).errors;
    expect(errors).toEqual(
      expect.arrayContaining([
        { field: 'price', message: 'is not allowed' },
        { field: 'items.0.extra', message: 'is not allowed' },
        { field: 'items.0.quantity', message: 'is required' },
        { field: 'items.0.sku', message: 'must NOT have fewer than 1 characters' },
        { field: 'couponId', message: 'must match format "uuid"' },
        { field: 'channel', message: 'must be one of: "web", "app"' },
      ]),
    );
    expect(errors).toHaveLength(6);
  });

  it('names the request part for a problem with the whole value', () => {
    expect(problemOf(() => pipe.transform(undefined, body)).errors).toEqual([{ field: 'body', message: 'must be object' }]);
    expect(problemOf(() => pipe.transform([], body)).errors).toEqual([{ field: 'body', message: 'must be object' }]);
  });

  it('lists at most a bounded number of problems', () => {
    const items = Array.from({ length: 50 }, () => ({ sku: 1, quantity: 'x' }));
    expect(problemOf(() => pipe.transform({ items }, body)).errors).toHaveLength(MAX_FIELD_ERRORS);
  });

  it('compiles the schema when made, so a broken schema fails at start', () => {
    expect(() => new SchemaPipe({ type: 'object', properties: { a: { type: 'strnig' } } })).toThrow();
    expect(() => new SchemaPipe({ type: 'object', unknownKeyword: true })).toThrow(/strict mode/);
  });

  it('reads declared scalars of a query from their plain spelling only', () => {
    const query = new SchemaPipe(
      Type.Object(
        { page: Type.Optional(Type.Integer({ minimum: 1 })), mine: Type.Optional(Type.Boolean()), status: Type.Optional(Type.String()) },
        { additionalProperties: false },
      ),
    );
    const meta: ArgumentMetadata = { type: 'query' };
    expect(query.transform({ page: '3', mine: 'true', status: '7' }, meta)).toEqual({ page: 3, mine: true, status: '7' });
    expect(problemOf(() => query.transform({ page: ' 3', mine: 'yes' }, meta)).errors).toEqual([
      { field: 'page', message: 'must be integer' },
      { field: 'mine', message: 'must be boolean' },
    ]);
    expect(problemOf(() => query.transform({ page: ['1', '2'] }, meta)).errors).toEqual([{ field: 'page', message: 'must be integer' }]);
    expect(problemOf(() => query.transform({ x: '1' }, meta)).detail).toBe('The request query is invalid.');
  });
});

describe('dottedPath', () => {
  it('turns a JSON pointer into a dotted path, unescaping ~0 and ~1', () => {
    expect(dottedPath('/items/0/sku', 'body')).toBe('items.0.sku');
    expect(dottedPath('/a~1b/c~0d', 'body')).toBe('a/b.c~d');
    expect(dottedPath('', 'query')).toBe('query');
  });
});
