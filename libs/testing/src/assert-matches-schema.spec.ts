import { Type } from '@shop/contracts';
import { describe, expect, it } from 'vitest';
import { assertMatchesSchema } from './assert-matches-schema.js';

const Entry = Type.Object(
  { entryId: Type.String({ format: 'uuid' }), points: Type.Integer({ minimum: 0 }), at: Type.String({ format: 'date-time' }) },
  { title: 'Entry', additionalProperties: false },
);
const valid = { entryId: '0f8fad5b-d9cb-469f-a165-70867728950e', points: 5, at: '2026-02-01T08:00:00.000Z' };

function mismatchOf(run: () => void): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a mismatch');
}

describe('assertMatchesSchema', () => {
  it('passes a value of the schema, again and again (compiled once)', () => {
    expect(() => assertMatchesSchema(Entry, valid)).not.toThrow();
    expect(() => assertMatchesSchema(Entry, { ...valid, points: 0 })).not.toThrow();
  });

  it('names the schema and every mismatch, formats and bounds included', () => {
    const message = mismatchOf(() => assertMatchesSchema(Entry, { ...valid, entryId: 'nope', points: -1, extra: true }));
    expect(message).toMatch(/^the value does not match Entry: /);
    for (const problem of ['/entryId must match format "uuid"', '/points must be >= 0', '/ must NOT have additional properties'])
      expect(message).toContain(problem);
    expect(() => assertMatchesSchema(Entry, { ...valid, at: 'yesterday' })).toThrow(/\/at must match format "date-time"/);
  });

  it('checks each schema by its own rules, untitled ones too', () => {
    const Count = Type.Integer({ minimum: 1 });
    expect(() => assertMatchesSchema(Count, 3)).not.toThrow();
    expect(() => assertMatchesSchema(Count, 0)).toThrow(/does not match the schema: \/ must be >= 1/);
    expect(() => assertMatchesSchema(Entry, 3)).toThrow(/does not match Entry/);
  });
});
