import { describe, expect, it } from 'vitest';
import { InvalidValueError } from './domain-error.js';
import { assertDisplayText, displayTextProblem } from './display-text.js';

describe('the display text rule', () => {
  it('takes any printable text: letters of any script, spaces, punctuation, emoji', () => {
    for (const text of ['Ada', '  Spring sale  ', '小明 👩‍💻', 'Zoé', '50% off — today!', 'Ada 🏳️‍🌈', '👍🏽‍👍', '', '\u3000\u00a0 ']) {
      expect(displayTextProblem(text), JSON.stringify(text)).toBeNull();
    }
  });

  it('keeps the joiners and tags that emoji are made of', () => {
    expect(displayTextProblem('👩‍💻 Ada')).toBeNull();
    expect(displayTextProblem('🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}')).toBeNull();
  });

  it.each([
    ['Ada\u0000', 'a NUL'],
    ['Ada\nLovelace', 'a line break'],
    ['Ada\t', 'a tab'],
    ['Ada\u0085', 'a C1 control'],
    ['Ada\u200b', 'a zero-width space'],
    ['A\u200eda', 'a left-to-right mark'],
    ['Ada\u200f', 'a right-to-left mark'],
    ['Ada\u202Eecalevol', 'a right-to-left override'],
    ['Ada\u202a', 'a left-to-right embedding'],
    ['Ada\u2066x\u2069', 'an isolate'],
    ['Ada\u2060', 'a word joiner'],
    ['\ufeffAda', 'a BOM'],
    ['Ad\u00ada', 'a soft hyphen'],
    ['Ada\u200d', 'a stray zero-width joiner'],
    ['👍\u200d', 'a zero-width joiner after an emoji, joining nothing'],
    ['Ada\u2028', 'a line separator'],
    ['Ada\u2029', 'a paragraph separator'],
    ['Ada\ue000', 'a private-use character'],
    ['Ada\u0378', 'an unassigned code point'],
    ['\u3164', 'a Hangul filler'],
    ['Ada\u115f', 'a Hangul choseong filler'],
    ['\u2800', 'a blank braille cell'],
  ])('refuses %j (%s) as holding control, format or invisible characters', (text) => {
    expect(displayTextProblem(text)).toMatch(/must not contain control, format or invisible characters/);
  });

  it('refuses a lone surrogate as not well-formed', () => {
    expect(displayTextProblem('Ada\uD800')).toMatch(/well-formed/);
    expect(displayTextProblem('\uDC00Ada')).toMatch(/well-formed/);
  });

  it('throws InvalidValueError naming the field, or nothing', () => {
    expect(() => assertDisplayText('nickname', 'Ada')).not.toThrow();
    expect(() => assertDisplayText('nickname', 'Ada\u200b')).toThrow(InvalidValueError);
    expect(() => assertDisplayText('title', 'Ada\u200b')).toThrow(
      expect.objectContaining({
        code: 'INVALID_VALUE',
        details: { field: 'title' },
        message: 'title: must not contain control, format or invisible characters',
      }),
    );
  });
});
