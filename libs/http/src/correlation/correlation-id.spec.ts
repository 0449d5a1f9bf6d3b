import { describe, expect, it } from 'vitest';
import { correlationIdFor, isSaneCorrelationId } from './correlation-id.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('correlation ids', () => {
  it("prefer the caller's x-correlation-id, then x-request-id", () => {
    expect(correlationIdFor({ 'x-correlation-id': 'abc-1', 'x-request-id': 'req-2' })).toBe('abc-1');
    expect(correlationIdFor({ 'x-request-id': 'req-2' })).toBe('req-2');
    expect(correlationIdFor({ 'x-correlation-id': 'bad id', 'x-request-id': 'req-2' })).toBe('req-2');
  });

  it('accept only short tokens of [A-Za-z0-9._:-]', () => {
    expect(isSaneCorrelationId('Az09._:-')).toBe(true);
    expect(isSaneCorrelationId('x'.repeat(100))).toBe(true);
    for (const bad of ['', 'x'.repeat(101), 'a b', 'a\nb', 'a,b', '{"json":1}', 'ünï', ['a', 'b'], undefined]) {
      expect(isSaneCorrelationId(bad), String(bad)).toBe(false);
    }
  });

  it('make a fresh UUID when the caller gave none that is sane', () => {
    const first = correlationIdFor({});
    expect(first).toMatch(UUID);
    expect(correlationIdFor({ 'x-correlation-id': 'a b' })).toMatch(UUID);
    expect(correlationIdFor({})).not.toBe(first);
  });
});
