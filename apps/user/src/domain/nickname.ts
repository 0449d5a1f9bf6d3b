import { InvalidValueError, assertDisplayText, hasVisibleCharacter } from '@shop/shared-kernel';

const MAX_LENGTH = 64;

/** What other people see instead of the e-mail address: 1–64 characters, NFC, trimmed, visible. */
export class Nickname {
  private constructor(readonly value: string) {}

  static of(raw: string): Nickname {
    const normalised = raw.normalize('NFC');
    // Checked before trimming: trim() would quietly drop a BOM or a line separator at either end.
    assertDisplayText('nickname', normalised);
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
