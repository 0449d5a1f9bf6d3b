import { afterEach, describe, expect, it } from 'vitest';
import type { DomainError, EventOutbox } from '@shop/shared-kernel';
import { verifyAccessToken } from '@shop/auth';
import { Cleanups } from '@shop/testing';
import { GatedUserRepository, RaceGate } from './support/race-gate.js';
import { KINDS, TEST_JWT_SECRET, countUsers, openUserDatabase, outboxRows, userRepository, userService } from './support/user-test-database.js';

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: DomainError) => error.code ?? String(error),
  );
const password = 'correct horse battery';

describe.each(KINDS)('registering users on %s', (kind) => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  it('stores the user and exactly one user.registered.v1 in the outbox, and the user can log in', async () => {
    const { transactions } = await openUserDatabase(kind, cleanups);
    const service = userService(transactions);

    const registered = await service.register.execute({ email: 'Ada@Example.com', password, nickname: 'Ada' });

    expect(await countUsers(transactions)).toBe(1);
    const rows = await outboxRows(transactions);
    expect(rows).toEqual([
      {
        type: 'user.registered.v1',
        aggregateId: registered.userId,
        payload: { userId: registered.userId, email: 'Ada@Example.com', nickname: 'Ada', registeredAt: expect.any(String) },
      },
    ]);

    const { accessToken } = await service.logIn.execute({ email: 'ada@example.com', password });
    expect(await verifyAccessToken(accessToken, TEST_JWT_SECRET)).toMatchObject({ userId: registered.userId, roles: ['customer'] });
    expect(await codeOf(service.logIn.execute({ email: 'ada@example.com', password: 'wrong horse battery' }))).toBe('INVALID_CREDENTIALS');
  });

  it('refuses the same address in another letter case with EMAIL_TAKEN and writes no event for it', async () => {
    const { transactions } = await openUserDatabase(kind, cleanups);
    const service = userService(transactions);
    await service.register.execute({ email: 'ada@example.com', password });

    expect(await codeOf(service.register.execute({ email: 'ADA@example.com', password }))).toBe('EMAIL_TAKEN');
    expect(await countUsers(transactions)).toBe(1);
    expect(await outboxRows(transactions)).toHaveLength(1);
  });

  it('leaves neither the user nor its event behind when the use case fails after writing both', async () => {
    const { transactions } = await openUserDatabase(kind, cleanups);
    const real = userService(transactions).outbox;
    const failingAfterWrite: EventOutbox = {
      add: async (...events) => {
        await real.add(...events);
        throw new Error('failed after writing the event');
      },
    };
    const service = userService(transactions, { outbox: failingAfterWrite });

    await expect(service.register.execute({ email: 'ada@example.com', password })).rejects.toThrow('failed after writing the event');
    expect(await countUsers(transactions)).toBe(0);
    expect(await outboxRows(transactions)).toEqual([]);
  });

  it('lets exactly one of many simultaneous registrations of one address win; the rest get EMAIL_TAKEN', async () => {
    const { transactions } = await openUserDatabase(kind, cleanups);
    const service = userService(transactions);
    const spellings = ['ada@example.com', 'ADA@example.com', 'Ada@Example.com', 'ada@EXAMPLE.com', 'aDa@example.COM', 'ADA@EXAMPLE.COM'];

    const outcomes = await Promise.all(spellings.map((email) => codeOf(service.register.execute({ email, password }))));

    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'EMAIL_TAKEN')).toHaveLength(spellings.length - 1);
    expect(await countUsers(transactions)).toBe(1);
    expect(await outboxRows(transactions)).toHaveLength(1);
  });
});

describe('registering users on postgres, two instances racing past the look-up', () => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  it('the unique index settles it: one wins, the other gets EMAIL_TAKEN, one outbox row', async () => {
    const database = await openUserDatabase('postgres', cleanups);
    const other = await database.openAnotherInstance();
    // Both look the address up, see nobody, and only then both insert.
    const gate = new RaceGate(2);
    const first = userService(database.transactions, { users: new GatedUserRepository(userRepository(database.transactions), gate) });
    const second = userService(other, { users: new GatedUserRepository(userRepository(other), gate) });

    const outcomes = await Promise.all([
      codeOf(first.register.execute({ email: 'ada@example.com', password })),
      codeOf(second.register.execute({ email: 'Ada@Example.com', password })),
    ]);

    expect(outcomes.sort()).toEqual(['EMAIL_TAKEN', 'ok']);
    expect(await countUsers(database.transactions)).toBe(1);
    const rows = await outboxRows(database.transactions);
    expect(rows.map((r) => r.type)).toEqual(['user.registered.v1']);
  });
});
