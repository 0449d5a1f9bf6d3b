import { describe, expect, it } from 'vitest';
import { InvalidValueError, PASSWORD_POLICY } from '@shop/shared-kernel';
import { PlainPassword } from './plain-password.js';

describe('PlainPassword', () => {
  it('needs 8 to 128 characters (the bounds the HTTP contract publishes), spaces included and never trimmed', () => {
    expect(PASSWORD_POLICY).toEqual({ minLength: 8, maxLength: 128 });
    expect(() => PlainPassword.of('🔑'.repeat(PASSWORD_POLICY.maxLength))).not.toThrow();
    expect(PlainPassword.of('12345678').reveal()).toBe('12345678');
    expect(PlainPassword.of('  spaced  ').reveal()).toBe('  spaced  ');
    expect(PlainPassword.of('p'.repeat(128)).reveal()).toHaveLength(128);
    expect(() => PlainPassword.of('1234567')).toThrow(InvalidValueError);
    expect(() => PlainPassword.of('p'.repeat(129))).toThrow(InvalidValueError);
  });

  it.each([
    ['eight spaces', ' '.repeat(8)],
    ['tabs and line breaks', '\t\n\r\t\n\r\t\n'],
    ['no-break and ideographic spaces', '\u00a0\u3000'.repeat(4)],
    ['zero-width spaces', '\u200b'.repeat(8)],
    ['direction marks', '\u200e\u200f'.repeat(4)],
    ['word joiners and BOMs', '\u2060\ufeff'.repeat(4)],
    ['bidi overrides and isolates', '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2069'],
    ['Hangul fillers', '\u3164'.repeat(8)],
    ['combining marks alone', '\u0301'.repeat(8)],
  ])('refuses a password of only invisible characters: %s', (_, raw) => {
    expect(() => PlainPassword.of(raw)).toThrow(expect.objectContaining({ code: 'INVALID_VALUE', details: expect.objectContaining({ field: 'password' }) }));
  });

  it('takes a password with visible characters among spaces and marks', () => {
    expect(PlainPassword.of('       x').reveal()).toBe('       x');
    expect(PlainPassword.of('\u200bsecret\u200b!').reveal()).toBe('\u200bsecret\u200b!');
  });

  it('never shows itself in strings, JSON or error messages', () => {
    const password = PlainPassword.of('correct horse battery');
    expect(String(password)).toBe('[password]');
    expect(JSON.stringify({ password })).toBe('{"password":"[password]"}');
    expect(Object.keys(password)).toEqual([]);
    try {
      PlainPassword.of('short');
    } catch (error) {
      expect((error as Error).message).not.toContain('short');
    }
  });

  it('tells whether a login attempt could be a password at all', () => {
    expect(PlainPassword.isPlausible('12345678')).toBe(true);
    expect(PlainPassword.isPlausible('1234567')).toBe(false);
    expect(PlainPassword.isPlausible('p'.repeat(129))).toBe(false);
  });
});
