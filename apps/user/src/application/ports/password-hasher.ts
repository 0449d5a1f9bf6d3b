import type { PlainPassword } from '../../domain/plain-password.js';

/** A slow, salted one-way hash: what the store keeps instead of the password. */
export interface PasswordHasher {
  hash(password: PlainPassword): Promise<string>;
  /** False (never an error) for a wrong password or a hash it cannot read. */
  verify(passwordHash: string, candidate: string): Promise<boolean>;
}
