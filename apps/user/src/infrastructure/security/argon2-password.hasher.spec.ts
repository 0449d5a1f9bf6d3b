import { describe, expect, it } from 'vitest';
import { PlainPassword } from '../../domain/plain-password.js';
import { Argon2PasswordHasher, TEST_ARGON2ID_COST } from './argon2-password.hasher.js';

describe('Argon2PasswordHasher', () => {
  it('hashes with argon2id at the OWASP cost by default, salted, and verifies', async () => {
    const hasher = new Argon2PasswordHasher();
    const password = PlainPassword.of('correct horse battery');
    const first = await hasher.hash(password);
    const second = await hasher.hash(password);

    expect(first).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain('correct horse battery');
    expect(await hasher.verify(first, 'correct horse battery')).toBe(true);
    expect(await hasher.verify(first, 'correct horse batterY')).toBe(false);
  });

  it('verifies hashes made at another cost, so the cost can change without locking anyone out', async () => {
    const cheap = await new Argon2PasswordHasher(TEST_ARGON2ID_COST).hash(PlainPassword.of('correct horse battery'));
    expect(cheap).toMatch(/^\$argon2id\$v=19\$m=64,t=1,p=1\$/);
    expect(await new Argon2PasswordHasher().verify(cheap, 'correct horse battery')).toBe(true);
  });

  it('treats a hash it cannot read as matching nothing', async () => {
    const hasher = new Argon2PasswordHasher(TEST_ARGON2ID_COST);
    expect(await hasher.verify('not a hash', 'correct horse battery')).toBe(false);
    expect(await hasher.verify('', '')).toBe(false);
  });
});
