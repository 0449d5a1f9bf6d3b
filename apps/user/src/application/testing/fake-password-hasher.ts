import type { PlainPassword } from '../../domain/plain-password.js';
import type { PasswordHasher } from '../ports/password-hasher.js';

/** Readable "hashes" for unit tests, counting the calls the timing behaviour depends on. */
export class FakePasswordHasher implements PasswordHasher {
  readonly hashed: string[] = [];
  readonly verified: Array<{ passwordHash: string; candidate: string }> = [];

  async hash(password: PlainPassword): Promise<string> {
    this.hashed.push(password.reveal());
    return `hashed:${password.reveal()}`;
  }

  async verify(passwordHash: string, candidate: string): Promise<boolean> {
    this.verified.push({ passwordHash, candidate });
    return passwordHash === `hashed:${candidate}`;
  }
}
