import { InvalidValueError, PASSWORD_POLICY, passwordPolicyProblem } from '@shop/shared-kernel';

// The same bounds the HTTP contract publishes; the domain still refuses anything else itself.
const { minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH } = PASSWORD_POLICY;

/**
 * A password the user chose, before hashing; exists only to be hashed. It never prints itself, so
 * it cannot end up in a log line or an error by accident.
 */
export class PlainPassword {
  readonly #value: string;

  private constructor(value: string) {
    this.#value = value;
  }

  /** Spaces count: a passphrase is a fine password, so nothing is trimmed; but it must show something. */
  static of(raw: string): PlainPassword {
    const problem = passwordPolicyProblem(raw);
    if (problem) throw new InvalidValueError('password', problem);
    return new PlainPassword(raw);
  }

  /**
   * Could this string have been accepted as a password at all? (A login with one that could not fails
   * early.) Length only: an account registered before blank passwords were refused can still sign in.
   */
  static isPlausible(candidate: string): boolean {
    const length = [...candidate].length;
    return length >= PASSWORD_MIN_LENGTH && length <= PASSWORD_MAX_LENGTH;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[password]';
  }

  toJSON(): string {
    return '[password]';
  }
}
