import { beforeEach, describe, expect, it } from 'vitest';
import { EventSchemaRegistry, UserRegisteredV1, publishedLanguage } from '@shop/contracts';
import { DomainError, isUuid } from '@shop/shared-kernel';
import { UserMother } from '../../../domain/testing/user.mother.js';
import { userApplicationFixture, type UserApplicationFixture } from '../../testing/user-application.fixture.js';
import { RegisterUserHandler } from './register-user.handler.js';

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'no error',
    (error: DomainError) => error.code,
  );

describe('RegisterUserHandler', () => {
  let f: UserApplicationFixture;
  let register: RegisterUserHandler;
  beforeEach(() => {
    f = userApplicationFixture();
    register = new RegisterUserHandler(f.unitOfWork, f.users, f.hasher, f.clock);
  });

  it('opens a customer account with a hashed password and answers with its id, e-mail and nickname', async () => {
    const result = await register.execute({ email: ' Ada@Example.com ', password: 'correct horse battery', nickname: ' Ada ' });

    expect(isUuid(result.userId)).toBe(true);
    expect(result).toEqual({ userId: result.userId, email: 'Ada@Example.com', nickname: 'Ada' });
    const [stored] = f.users.all();
    expect(stored?.id).toBe(result.userId);
    expect(stored?.roles).toEqual(['customer']);
    expect(stored?.passwordHash).toBe('hashed:correct horse battery');
    expect(stored?.registeredAt).toEqual(f.clock.now());
  });

  it('writes exactly one user.registered.v1 that matches its published schema, in the same unit of work', async () => {
    const result = await register.execute({ email: 'ada@example.com', password: 'correct horse battery' });

    expect(f.unitOfWork.runs).toBe(1);
    expect(f.outbox.events).toEqual([
      {
        type: 'user.registered.v1',
        aggregateId: result.userId,
        payload: { userId: result.userId, email: 'ada@example.com', nickname: null, registeredAt: '2026-02-01T08:00:00.000Z' },
      },
    ]);
    expect(() => new EventSchemaRegistry(publishedLanguage).validatePayload(UserRegisteredV1.type, f.outbox.events[0]!.payload)).not.toThrow();
  });

  it('refuses an address already taken, whatever its letter case, and changes nothing', async () => {
    f.users.insert(UserMother.stored({ email: 'ada@example.com' }));

    expect(await codeOf(register.execute({ email: 'ADA@example.COM', password: 'correct horse battery' }))).toBe('EMAIL_TAKEN');
    expect(f.users.all()).toHaveLength(1);
    expect(f.outbox.events).toEqual([]);
  });

  it('maps the store refusing a duplicate (a concurrent registration won) to EMAIL_TAKEN, with no event left behind', async () => {
    f.users.beforeSave = () => f.users.insert(UserMother.stored({ email: 'ada@example.com' }));

    expect(await codeOf(register.execute({ email: 'ada@example.com', password: 'correct horse battery' }))).toBe('EMAIL_TAKEN');
    expect(f.outbox.events).toEqual([]);
  });

  it('rolls the account back when its event cannot be written', async () => {
    f.outbox.failNext = new Error('outbox unavailable');

    await expect(register.execute({ email: 'ada@example.com', password: 'correct horse battery' })).rejects.toThrow('outbox unavailable');
    expect(f.users.all()).toEqual([]);
  });

  it('opens one account and writes one event when the same address registers twice at once; the other gets EMAIL_TAKEN', async () => {
    const outcomes = await Promise.all([
      codeOf(register.execute({ email: 'ada@example.com', password: 'correct horse battery' })),
      codeOf(register.execute({ email: 'ADA@example.com', password: 'correct horse battery' })),
    ]);

    expect(outcomes.sort()).toEqual(['EMAIL_TAKEN', 'no error']);
    expect(f.users.all()).toHaveLength(1);
    expect(f.outbox.ofType('user.registered.v1')).toHaveLength(1);
  });

  it.each([
    [{ email: 'not-an-address', password: 'correct horse battery' }, 'email'],
    [{ email: 'ada@example.com', password: 'short' }, 'password'],
    [{ email: 'ada@example.com', password: 'correct horse battery', nickname: '   ' }, 'nickname'],
  ])('refuses invalid input with INVALID_VALUE naming the field (%#) before hashing anything', async (command, field) => {
    const error = await register.execute(command).catch((e: DomainError) => e);
    expect(error).toMatchObject({ code: 'INVALID_VALUE', details: { field } });
    expect(f.hasher.hashed).toEqual([]);
    expect(f.users.all()).toEqual([]);
  });
});
