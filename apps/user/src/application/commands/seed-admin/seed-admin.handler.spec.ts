import { beforeEach, describe, expect, it } from 'vitest';
import { UserMother } from '../../../domain/testing/user.mother.js';
import { userApplicationFixture, type UserApplicationFixture } from '../../testing/user-application.fixture.js';
import { SeedAdminHandler } from './seed-admin.handler.js';

describe('SeedAdminHandler', () => {
  let f: UserApplicationFixture;
  let seedAdmin: SeedAdminHandler;
  const command = { email: 'root@shop.example', password: 'an admin passphrase' };
  beforeEach(() => {
    f = userApplicationFixture();
    seedAdmin = new SeedAdminHandler(f.unitOfWork, f.users, f.hasher, f.clock);
  });

  it('creates the admin account when it is missing and announces it like any registration', async () => {
    const result = await seedAdmin.execute(command);

    expect(result.outcome).toBe('created');
    const [admin] = f.users.all();
    expect(admin).toMatchObject({ id: result.userId, roles: ['customer', 'admin'], passwordHash: 'hashed:an admin passphrase' });
    expect(f.outbox.events.map((e) => e.type)).toEqual(['user.registered.v1']);
  });

  it('is idempotent across restarts: the second run changes nothing', async () => {
    const first = await seedAdmin.execute(command);
    const second = await seedAdmin.execute({ ...command, email: 'ROOT@shop.example' });

    expect(second).toEqual({ userId: first.userId, outcome: 'unchanged' });
    expect(f.users.all()).toHaveLength(1);
    expect(f.outbox.events).toHaveLength(1);
  });

  it('refuses when the address (in any letter case) belongs to a customer: no role granted, no password changed', async () => {
    // Someone registered the operator's address first, with a password of their own.
    const squatter = UserMother.stored({ email: 'root@shop.example', passwordHash: 'hashed:the attacker chose this' });
    f.users.insert(squatter);

    await expect(seedAdmin.execute({ ...command, email: 'Root@Shop.Example' })).rejects.toMatchObject({
      code: 'ADMIN_EMAIL_HELD_BY_CUSTOMER',
      message: expect.stringMatching(/^the address 'Root@Shop.Example' belongs to an existing account .* that is not an administrator$/),
    });
    const [stored] = f.users.all();
    expect(stored?.roles).toEqual(['customer']);
    expect(stored?.passwordHash).toBe('hashed:the attacker chose this');
    expect(f.outbox.events).toEqual([]);
  });

  it('leaves an existing admin as it is, its own password included', async () => {
    const admin = UserMother.stored({ email: 'root@shop.example', roles: ['customer', 'admin'], passwordHash: 'hashed:changed since' });
    f.users.insert(admin);

    expect(await seedAdmin.execute(command)).toEqual({ userId: admin.id, outcome: 'unchanged' });
    expect(f.users.all()[0]?.passwordHash).toBe('hashed:changed since');
  });

  it('loses a race to another instance gracefully: looks again and finds the admin in place', async () => {
    const other = UserMother.stored({ email: 'root@shop.example', roles: ['customer', 'admin'] });
    f.users.beforeSave = () => {
      f.users.beforeSave = undefined;
      f.users.insert(other);
    };

    expect(await seedAdmin.execute(command)).toEqual({ userId: other.id, outcome: 'unchanged' });
    expect(f.users.all()).toHaveLength(1);
    expect(f.outbox.events).toEqual([]);
  });

  it('refuses a configuration it could never sign in with', async () => {
    await expect(seedAdmin.execute({ email: 'root', password: 'an admin passphrase' })).rejects.toMatchObject({ code: 'INVALID_VALUE' });
    await expect(seedAdmin.execute({ email: 'root@shop.example', password: 'short' })).rejects.toMatchObject({ code: 'INVALID_VALUE' });
    expect(f.users.all()).toEqual([]);
  });
});
