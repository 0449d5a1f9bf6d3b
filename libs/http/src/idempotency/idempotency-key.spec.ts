import { describe, expect, it } from 'vitest';
import { ProblemException } from '../problem/problem.exception.js';
import { idempotencyKeyOf } from './idempotency-key.js';
import { canonicalJson, requestFingerprint } from './request-fingerprint.js';

const problemOf = (header: string | string[]) => {
  try {
    idempotencyKeyOf(header);
  } catch (error) {
    return (error as ProblemException).problem;
  }
  throw new Error('accepted');
};

describe('the Idempotency-Key header', () => {
  it('is optional (undefined without it), taken bare or as a structured-field string', () => {
    expect(idempotencyKeyOf(undefined)).toBeUndefined();
    expect(idempotencyKeyOf('8e03978e-40d5-43e8-bc93-6894a57f9324')).toBe('8e03978e-40d5-43e8-bc93-6894a57f9324');
    expect(idempotencyKeyOf('"8e03978e"')).toBe('8e03978e');
    expect(idempotencyKeyOf('k'.repeat(255))).toHaveLength(255);
  });

  it.each([
    ['empty', ''],
    ['an empty quoted string', '""'],
    ['256 characters', 'k'.repeat(256)],
    ['with a space', 'a b'],
    ['with a control character', 'a\u0001b'],
    ['with DEL', 'a\u007fb'],
    ['with a non-ASCII letter', 'clé'],
    ['sent twice (joined by Node)', 'a, b'],
  ])('is refused %s: 400 IDEMPOTENCY_KEY_INVALID', (_case, header) => {
    expect(problemOf(header)).toMatchObject({ status: 400, code: 'IDEMPOTENCY_KEY_INVALID' });
  });

  it('is refused when it comes as several headers', () => {
    expect(problemOf(['a', 'b'])).toMatchObject({ status: 400, code: 'IDEMPOTENCY_KEY_INVALID' });
  });
});

describe('a request fingerprint', () => {
  const base = { method: 'POST', path: '/orders', body: { items: [{ sku: 'a', quantity: 1 }], couponId: 'c' } };

  it('ignores how the JSON was spelled (key order), not what it says', () => {
    expect(requestFingerprint({ ...base, body: { couponId: 'c', items: [{ quantity: 1, sku: 'a' }] } })).toBe(requestFingerprint(base));
    expect(canonicalJson({ b: 1, a: [2, { d: null, c: 'x' }] })).toBe('{"a":[2,{"c":"x","d":null}],"b":1}');
  });

  it.each([
    ['another body', { body: { items: [{ sku: 'a', quantity: 2 }], couponId: 'c' } }],
    [
      'items in another order',
      {
        body: {
          items: [
            { sku: 'a', quantity: 1 },
            { sku: 'b', quantity: 1 },
          ],
          couponId: 'c',
        },
      },
    ],
    ['a number as a string', { body: { items: [{ sku: 'a', quantity: '1' }], couponId: 'c' } }],
    ['another path', { path: '/orders?dry-run=true' }],
    ['another method', { method: 'PUT' }],
    ['no body', { body: undefined }],
  ])('differs for %s', (_case, change) => {
    expect(requestFingerprint({ ...base, ...change })).not.toBe(requestFingerprint(base));
  });
});
