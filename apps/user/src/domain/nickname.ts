import { InvalidValueError, hasVisibleCharacter } from '@shop/shared-kernel';

const MAX_LENGTH = 64;
// Characters that make a name display as something else or as nothing: controls, format characters
// (zero-width spaces and joiners, direction marks, bidi overrides and isolates, word joiner, BOM,
// soft hyphen), line and paragraph separators, private-use and unassigned code points, and the
// invisible letters (Hangul fillers, the blank braille cell) often used to fake an empty name.
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\u115F\u1160\u3164\uFFA0\u2800]/u;
const LONE_SURROGATE = /\p{Cs}/u;
// The format characters emoji need, removed before FORBIDDEN is checked: the zero-width joiner
// inside an emoji sequence (👩‍💻), and the tag letters of a subdivision flag (🏴 + tags + cancel tag).
const EMOJI_FORMAT =
  /(?<=\p{Extended_Pictographic}[\u{1F3FB}-\u{1F3FF}\uFE0F]?)\u200D(?=\p{Extended_Pictographic})|(?<=\u{1F3F4})[\u{E0020}-\u{E007E}]+\u{E007F}/gu;

/** What other people see instead of the e-mail address: 1–64 characters, NFC, trimmed, visible. */
export class Nickname {
  private constructor(readonly value: string) {}

  static of(raw: string): Nickname {
    const normalised = raw.normalize('NFC');
    // Checked before trimming: trim() would quietly drop a BOM or a line separator at either end.
    if (LONE_SURROGATE.test(normalised)) throw new InvalidValueError('nickname', 'must be well-formed Unicode');
    if (FORBIDDEN.test(normalised.replace(EMOJI_FORMAT, '')))
      throw new InvalidValueError('nickname', 'must not contain control, format or invisible characters');
    const value = normalised.trim();
    // Counted in code points, as the JSON Schema of the published events counts them.
    const length = [...value].length;
    if (length === 0) throw new InvalidValueError('nickname', 'must not be empty');
    if (length > MAX_LENGTH) throw new InvalidValueError('nickname', `must be at most ${MAX_LENGTH} characters`);
    if (!hasVisibleCharacter(value)) throw new InvalidValueError('nickname', 'must contain a visible character');
    return new Nickname(value);
  }

  equals(other: Nickname): boolean {
    return this.value === other.value;
  }

  toString(): string {
    return this.value;
  }
}
