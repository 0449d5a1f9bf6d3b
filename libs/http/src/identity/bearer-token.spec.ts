import { describe, expect, it } from 'vitest';
import { BEARER_TOKEN_PATTERN, bearerTokenOf } from './bearer-token.js';

describe('bearerTokenOf', () => {
  it('reads the token of a Bearer header, whatever the case of the scheme', () => {
    expect(bearerTokenOf('Bearer abc.DEF-123_~+/==')).toBe('abc.DEF-123_~+/==');
    expect(bearerTokenOf('bearer   abc  ')).toBe('abc');
  });

  it.each([undefined, '', 'Bearer ', 'Bearer', 'Basic abc', 'abc', 'Bearer a b', 'Bearer a=b', 'Bearer é'])('finds no token in %j', (header) => {
    expect(bearerTokenOf(header)).toBeUndefined();
  });

  it('matches the token alphabet alone', () => {
    expect(BEARER_TOKEN_PATTERN.test('a1b2c3d4e5f6a7b8c9d0')).toBe(true);
    expect(BEARER_TOKEN_PATTERN.test('with space')).toBe(false);
  });
});
