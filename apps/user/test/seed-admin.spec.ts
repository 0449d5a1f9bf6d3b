import { afterEach, describe, expect, it } from 'vitest';
import { verifyAccessToken } from '@shop/auth';
import { Cleanups } from '@shop/testing';
import { GatedUserRepository, RaceGate } from './support/race-gate.js';
import { KINDS, TEST_JWT_SECRET, countUsers, openUserDatabase, outboxRows, userRepository, userService } from './support/user-test-database.js';

const admin = { email: 'root@shop.example', password: 'an admin passphrase' };

describe.each(KINDS)('seeding the admin on %s', (kind) => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  it('creates the admin once; restarts change nothing; the admin logs in with both roles', async () => {
    const { transactions } = await openUserDatabase(kind, cleanups);
    const service = userService(transactions);

    const created = await service.seedAdmin.execute(admin);
    const again = await service.seedAdmin.execute(admin);

    expect(created.outcome).toBe('created');
    expect(again).toEqual({ userId: created.userId, outcome: 'unchanged' });
    expect(await countUsers(transactions)).toBe(1);
    expect((await outboxRows(transactions)).map((r) => r.type)).toEqual(['user.registered.v1']);
    const { accessToken } = await service.logIn.execute(admin);
    expect(await verifyAccessToken(accessToken, TEST_JWT_SECRET)).toMatchObject({ userId: created.userId, roles: ['customer', 'admin'] });
  });

  it('refuses an address a customer registered first: the customer stays a customer with their own password', async () => {
    const { transactions } = await openUserDatabase(kind, cleanups);
    const service = userService(transactions);
    const customer = await service.register.execute({ email: 'Root@Shop.example', password: 'the owner chose this' });

    await expect(service.seedAdmin.execute(admin)).rejects.toMatchObject({ code: 'ADMIN_EMAIL_HELD_BY_CUSTOMER' });
    expect((await service.users.findById(customer.userId))?.roles).toEqual(['customer']);
    await expect(service.logIn.execute({ email: admin.email, password: admin.password })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await expect(service.logIn.execute({ email: admin.email, password: 'the owner chose this' })).resolves.toBeDefined();
  });
});

describe('seeding the admin from two instances starting together on postgres', () => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  it('ends with one admin account and one event, whoever loses the race retries and finds it', async () => {
    const database = await openUserDatabase('postgres', cleanups);
    const other = await database.openAnotherInstance();
    const gate = new RaceGate(2);
    const first = userService(database.transactions, { users: new GatedUserRepository(userRepository(database.transactions), gate) });
    const second = userService(other, { users: new GatedUserRepository(userRepository(other), gate) });

    const results = await Promise.all([first.seedAdmin.execute(admin), second.seedAdmin.execute(admin)]);

    expect(results.map((r) => r.outcome).sort()).toEqual(['created', 'unchanged']);
    expect(results[0]!.userId).toBe(results[1]!.userId);
    expect(await countUsers(database.transactions)).toBe(1);
    expect(await outboxRows(database.transactions)).toHaveLength(1);
  });
});
