import { beforeEach, describe, expect, it } from 'vitest';
import type { DomainError } from '@shop/shared-kernel';
import { UserMother } from '../../../domain/testing/user.mother.js';
import { userApplicationFixture, type UserApplicationFixture } from '../../testing/user-application.fixture.js';
import { LogInHandler } from './log-in.handler.js';

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'no error',
    (error: DomainError) => error.code,
  );

describe('LogInHandler', () => {
  let f: UserApplicationFixture;
  let logIn: LogInHandler;
  const ada = UserMother.stored({ email: 'Ada@Example.com', passwordHash: 'hashed:correct horse battery', roles: ['customer', 'admin'] });
  beforeEach(() => {
    f = userApplicationFixture();
    f.users.insert(ada);
    logIn = new LogInHandler(f.users, f.hasher, f.tokens);
  });

  it('issues a token carrying the user id and roles for the right password, whatever the letter case of the address', async () => {
    expect(await logIn.execute({ email: 'ada@example.COM', password: 'correct horse battery' })).toEqual({
      accessToken: `token:${ada.id}:customer,admin`,
      expiresIn: 3600,
    });
  });

  it('refuses a wrong password with INVALID_CREDENTIALS', async () => {
    expect(await codeOf(logIn.execute({ email: 'ada@example.com', password: 'wrong horse battery' }))).toBe('INVALID_CREDENTIALS');
  });

  it('answers an unknown or malformed address the same way, after checking the password against a dummy hash', async () => {
    expect(await codeOf(logIn.execute({ email: 'nobody@example.com', password: 'correct horse battery' }))).toBe('INVALID_CREDENTIALS');
    expect(await codeOf(logIn.execute({ email: 'not an address', password: 'correct horse battery' }))).toBe('INVALID_CREDENTIALS');

    expect(f.hasher.verified).toHaveLength(2);
    expect(f.hasher.verified[0]!.passwordHash).not.toBe(ada.passwordHash);
    // The dummy hash is made once and reused.
    expect(f.hasher.hashed).toHaveLength(1);
    expect(f.hasher.verified[1]!.passwordHash).toBe(f.hasher.verified[0]!.passwordHash);
  });

  it('refuses a password no account could have without hashing it', async () => {
    expect(await codeOf(logIn.execute({ email: 'ada@example.com', password: 'x'.repeat(10_000) }))).toBe('INVALID_CREDENTIALS');
    expect(await codeOf(logIn.execute({ email: 'ada@example.com', password: '' }))).toBe('INVALID_CREDENTIALS');
    expect(f.hasher.verified).toEqual([]);
  });
});
