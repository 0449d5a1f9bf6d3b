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
