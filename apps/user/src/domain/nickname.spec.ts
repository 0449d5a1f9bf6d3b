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
    ['\u200b', 'a zero-width space alone'],
    ['\u200e\u200f', 'direction marks alone'],
    ['Ada\u200b', 'a zero-width space'],
    ['A\u200eda', 'a left-to-right mark'],
    ['Ada\u200f', 'a right-to-left mark'],
    ['Ada\u2060', 'a word joiner'],
    ['\ufeffAda', 'a BOM'],
    ['Ada\u202a', 'a left-to-right embedding'],
    ['Ada\u202d', 'a left-to-right override'],
    ['Ada\u2066x\u2069', 'an isolate'],
    ['Ad\u00ada', 'a soft hyphen'],
    ['Ada\u0085', 'a C1 control'],
    ['Ada\u2028', 'a line separator'],
    ['Ada\u200d', 'a stray zero-width joiner'],
    ['👍\u200d', 'a zero-width joiner after an emoji, joining nothing'],
    ['Ada\t', 'a tab, even at the end'],
    ['\u3164', 'a Hangul filler'],
    ['\u2800\u2800', 'blank braille cells'],
    ['\ufe0f', 'a variation selector alone'],
    ['\u0301', 'a combining mark alone'],
    ['\u3000\u00a0 ', 'spaces of other kinds only'],
  ])('refuses %j (%s)', (raw) => {
    expect(() => Nickname.of(raw)).toThrow(expect.objectContaining({ code: 'INVALID_VALUE', details: { field: 'nickname' } }));
  });

  it('keeps the joiners and tags that emoji are made of', () => {
    expect(Nickname.of('👩‍💻 Ada').value).toBe('👩‍💻 Ada');
    expect(Nickname.of('👍🏽‍👍').value).toBe('👍🏽‍👍');
    expect(Nickname.of('Ada 🏳️‍🌈').value).toBe('Ada 🏳️‍🌈');
    expect(Nickname.of('🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}').value).toHaveLength(14);
  });

  it('is normalised to NFC, so the same name looks and compares the same', () => {
    expect(Nickname.of('Zoe\u0301').value).toBe('Zoé');
    expect(Nickname.of('Zoe\u0301').equals(Nickname.of('Zo\u00e9'))).toBe(true);
  });
});
