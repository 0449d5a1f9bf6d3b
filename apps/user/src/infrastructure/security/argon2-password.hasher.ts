import { hash, verify, type Algorithm } from '@node-rs/argon2';
import type { PasswordHasher } from '../../application/ports/password-hasher.js';
import type { PlainPassword } from '../../domain/plain-password.js';

export interface Argon2Cost {
  /** KiB of memory per hash. */
  readonly memoryCost: number;
  /** Passes over that memory. */
  readonly timeCost: number;
  readonly parallelism: number;
}

/** OWASP's recommendation for argon2id (Password Storage Cheat Sheet): 19 MiB, 2 passes, 1 lane. */
export const OWASP_ARGON2ID_COST: Argon2Cost = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/** As cheap as argon2 allows: for tests only, where thousands of hashes must not take minutes. */
export const TEST_ARGON2ID_COST: Argon2Cost = { memoryCost: 64, timeCost: 1, parallelism: 1 };

// The package declares its enum as `const`, which only tsc can inline; the value is argon2's own.
const ARGON2ID = 2 as Algorithm;

/**
 * argon2id through @node-rs/argon2 (native, hashes off the event loop). The salt is random per
 * hash and the parameters travel inside the encoded hash, so hashes made with an older cost still
 * verify after the cost is raised.
 */
export class Argon2PasswordHasher implements PasswordHasher {
  constructor(private readonly cost: Argon2Cost = OWASP_ARGON2ID_COST) {}

  hash(password: PlainPassword): Promise<string> {
    return hash(password.reveal(), { algorithm: ARGON2ID, ...this.cost });
  }

  async verify(passwordHash: string, candidate: string): Promise<boolean> {
    try {
      return await verify(passwordHash, candidate);
    } catch {
      // A hash it cannot parse matches no password.
      return false;
    }
  }
}
