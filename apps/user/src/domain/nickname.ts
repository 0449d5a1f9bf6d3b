import { InvalidValueError } from '@shop/shared-kernel';

const MAX_LENGTH = 64;
// Control characters, and the bidirectional overrides that make a name display as something else.
const FORBIDDEN = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;
const LONE_SURROGATE = /\p{Cs}/u;

/** What other people see instead of the e-mail address: 1–64 characters, trimmed, printable. */
export class Nickname {
  private constructor(readonly value: string) {}

  static of(raw: string): Nickname {
    const value = raw.normalize('NFC').trim();
    // Counted in code points, as the JSON Schema of the published events counts them.
    const length = [...value].length;
    if (length === 0) throw new InvalidValueError('nickname', 'must not be empty');
    if (length > MAX_LENGTH) throw new InvalidValueError('nickname', `must be at most ${MAX_LENGTH} characters`);
    if (FORBIDDEN.test(value)) throw new InvalidValueError('nickname', 'must not contain control characters');
    if (LONE_SURROGATE.test(value)) throw new InvalidValueError('nickname', 'must be well-formed Unicode');
    return new Nickname(value);
  }

  equals(other: Nickname): boolean {
    return this.value === other.value;
  }

  toString(): string {
    return this.value;
  }
}
