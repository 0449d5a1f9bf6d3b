import { DomainError } from '@shop/shared-kernel';
import { describe, expect, it } from 'vitest';
import { codeOf } from './error-code.js';

describe('codeOf', () => {
  it("is a domain error's code, any other error's name, or 'no error'", async () => {
    expect(await codeOf(Promise.reject(new DomainError('NOT_PAYABLE', 'no')))).toBe('NOT_PAYABLE');
    expect(await codeOf(Promise.reject(new TypeError('boom')))).toBe('TypeError');
    expect(await codeOf(Promise.resolve(42))).toBe('no error');
  });

  it("is 'unknown error' for a thrown value that is neither", async () => {
    const thrown = (value: unknown) =>
      (async () => {
        throw value;
      })();
    expect(await codeOf(thrown('text'))).toBe('unknown error');
    expect(await codeOf(thrown(undefined))).toBe('unknown error');
  });
});
