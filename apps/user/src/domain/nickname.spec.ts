import { describe, expect, it } from 'vitest';
import { InvalidValueError } from '@shop/shared-kernel';
import { Nickname } from './nickname.js';

describe('Nickname', () => {
  it('is trimmed and may be any printable text, emoji included', () => {
    expect(Nickname.of('  Ada  ').value).toBe('Ada');
    expect(Nickname.of('小明 👩‍💻').value).toBe('小明 👩‍💻');
  });

  it('counts characters, not UTF-16 units: 64 emoji fit', () => {
    expect([...Nickname.of('😀'.repeat(64)).value]).toHaveLength(64);
    expect(() => Nickname.of('😀'.repeat(65))).toThrow(InvalidValueError);
  });

  it.each([
    ['', 'empty'],
    [' \t ', 'blank'],
    ['a'.repeat(65), 'too long'],
    ['Ada\u0000', 'a NUL'],
    ['Ada\nLovelace', 'a line break'],
    ['Ada\u202Eecalevol', 'a right-to-left override'],
    ['Ada\uD800', 'a lone surrogate'],
  ])('refuses %j (%s)', (raw) => {
    expect(() => Nickname.of(raw)).toThrow(InvalidValueError);
  });
});
