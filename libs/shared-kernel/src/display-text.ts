import { InvalidValueError } from './domain-error.js';

// Characters that make a text display as something else or as nothing: controls, format characters
// (zero-width spaces and joiners, direction marks, bidi overrides and isolates, word joiner, BOM,
// soft hyphen), line and paragraph separators, private-use and unassigned code points, and the
// invisible letters (Hangul fillers, the blank braille cell) often used to fake an empty name.
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\u115F\u1160\u3164\uFFA0\u2800]/u;
const LONE_SURROGATE = /\p{Cs}/u;
// The format characters emoji need, removed before FORBIDDEN is checked: the zero-width joiner
// inside an emoji sequence (👩‍💻), and the tag letters of a subdivision flag (🏴 + tags + cancel tag).
const EMOJI_FORMAT =
  /(?<=\p{Extended_Pictographic}[\u{1F3FB}-\u{1F3FF}\uFE0F]?)\u200D(?=\p{Extended_Pictographic})|(?<=\u{1F3F4})[\u{E0020}-\u{E007E}]+\u{E007F}/gu;

/**
 * What is wrong with the characters of a text other people are shown (a nickname, a campaign's
 * name), or null. Only the characters: emptiness, length and trimming are the caller's rule. Check
 * before trimming, since trim() would quietly drop a BOM or a line separator at either end.
 */
export function displayTextProblem(text: string): string | null {
  if (LONE_SURROGATE.test(text)) return 'must be well-formed Unicode';
  if (FORBIDDEN.test(text.replace(EMOJI_FORMAT, ''))) return 'must not contain control, format or invisible characters';
  return null;
}

/** Throws InvalidValueError naming `field` when `displayTextProblem` finds something wrong. */
export function assertDisplayText(field: string, text: string): void {
  const problem = displayTextProblem(text);
  if (problem !== null) throw new InvalidValueError(field, problem);
}
