import { InvalidValueError, normaliseEmail } from '@shop/shared-kernel';

const MAX_LENGTH = 254;
const MAX_LOCAL_PART_LENGTH = 64;
// A dot-atom local part and a host name with at least one dot: the addresses the published
// `user.registered.v1` contract accepts, so a registered user can always be announced. ASCII only,
// which also makes lower-casing mean the same in JavaScript, PostgreSQL and SQLite.
const SHAPE =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * An e-mail address as the user typed it (trimmed). Two addresses that differ only in letter case
 * are the same account: `normalized` is what uniqueness and look-ups use.
 */
export class Email {
  private constructor(readonly value: string) {}

  static of(raw: string): Email {
    const value = raw.trim();
    if (value.length === 0) throw new InvalidValueError('email', 'must not be empty');
    if (value.length > MAX_LENGTH) throw new InvalidValueError('email', `must be at most ${MAX_LENGTH} characters`);
    if (!SHAPE.test(value)) throw new InvalidValueError('email', 'is not a valid e-mail address');
    if (value.indexOf('@') > MAX_LOCAL_PART_LENGTH)
      throw new InvalidValueError('email', `the part before '@' must be at most ${MAX_LOCAL_PART_LENGTH} characters`);
    return new Email(value);
  }

  /** The shared kernel's normalisation, so the gateway's per-account counting means the same account. */
  get normalized(): string {
    return normaliseEmail(this.value);
  }

  equals(other: Email): boolean {
    return this.normalized === other.normalized;
  }

  toString(): string {
    return this.value;
  }
}
