import { describe, expect, it } from 'vitest';
import { InvalidValueError } from '@shop/shared-kernel';
import { Email } from './email.js';

describe('Email', () => {
  it('keeps the address as typed, trimmed, and compares it without regard to letter case', () => {
    const email = Email.of('  Ada.Lovelace@Example.COM ');
    expect(email.value).toBe('Ada.Lovelace@Example.COM');
    expect(email.normalized).toBe('ada.lovelace@example.com');
    expect(email.equals(Email.of('ada.lovelace@example.com'))).toBe(true);
  });

  it.each([
    ['', 'empty'],
    ['   ', 'blank'],
    ['no-at-sign.example.com', 'no @'],
    ['a@b', 'a host without a dot'],
    ['a b@example.com', 'a space'],
    ['.a@example.com', 'a leading dot'],
    ['a..b@example.com', 'two dots in a row'],
    ['a@-example.com', 'a label starting with a hyphen'],
    ['a@@example.com', 'two @'],
    ['ü@example.com', 'a non-ASCII character'],
    [`${'a'.repeat(65)}@example.com`, 'a local part over 64 characters'],
    [`a@${Array(5).fill('b'.repeat(60)).join('.')}.com`, 'over 254 characters'],
  ])('refuses %j (%s) with INVALID_VALUE', (raw) => {
    const attempt = () => Email.of(raw);
    expect(attempt).toThrow(InvalidValueError);
    try {
      attempt();
    } catch (error) {
      expect((error as InvalidValueError).code).toBe('INVALID_VALUE');
      expect((error as InvalidValueError).details).toEqual({ field: 'email' });
    }
  });

  it('accepts the usual shapes, plus tags and subdomains', () => {
    for (const raw of ['a@example.com', 'first.last+shop@mail.example.co.uk', "o'brien@example.ie", 'x_y-z@a-b.example']) {
      expect(Email.of(raw).value).toBe(raw);
    }
  });
});
