import { afterEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { Email } from '../src/domain/email.js';
import { UserMother } from '../src/domain/testing/user.mother.js';
import { EmailTakenError } from '../src/domain/user.errors.js';
import { TypeOrmUserRepository } from '../src/infrastructure/persistence/typeorm-user.repository.js';
import { Cleanups, KINDS, countUsers, openUserDatabase } from './support/user-test-database.js';

describe.each(KINDS)('TypeOrmUserRepository on %s', (kind) => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  async function repository() {
    const { transactions } = await openUserDatabase(kind, cleanups);
    return { transactions, users: new TypeOrmUserRepository(transactions) };
  }

  it('stores a user and gives it back by id and by e-mail in any letter case', async () => {
    const { transactions, users } = await repository();
    const ada = UserMother.registered({ email: 'Ada.Lovelace@Example.com', nickname: 'Ada 👩‍💻', registeredAt: new Date('2026-01-02T03:04:05.678Z') });
    await transactions.run(() => users.save(ada));

    expect((await users.findById(ada.id))?.toSnapshot()).toEqual(ada.toSnapshot());
    expect((await users.findById(ada.id.toUpperCase()))?.id).toBe(ada.id);
    expect((await users.findByEmail(Email.of('ada.lovelace@EXAMPLE.COM')))?.toSnapshot()).toEqual(ada.toSnapshot());
  });

  it('keeps a missing nickname missing', async () => {
    const { transactions, users } = await repository();
    const anonymous = UserMother.registered({ nickname: null });
    await transactions.run(() => users.save(anonymous));
    expect((await users.findById(anonymous.id))?.nickname).toBeNull();
  });

  it('answers null for ids and addresses it does not know, and for ids that are not UUIDs', async () => {
    const { users } = await repository();
    expect(await users.findById(newId())).toBeNull();
    expect(await users.findById('not-a-uuid')).toBeNull();
    expect(await users.findByEmail(Email.of('nobody@example.com'))).toBeNull();
  });

  it('updates a known user in place when saved again', async () => {
    const { transactions, users } = await repository();
    const ada = UserMother.registered();
    await transactions.run(() => users.save(ada));

    const loaded = (await users.findById(ada.id))!;
    loaded.grantRole('admin', new Date());
    await transactions.run(() => users.save(loaded));

    expect((await users.findById(ada.id))?.roles).toEqual(['customer', 'admin']);
    expect((await users.findById(ada.id))?.registeredAt).toEqual(ada.registeredAt);
    expect(await countUsers(transactions)).toBe(1);
  });

  it('refuses a second account for the same address in another letter case with EMAIL_TAKEN', async () => {
    const { transactions, users } = await repository();
    await transactions.run(() => users.save(UserMother.registered({ email: 'ada@example.com' })));

    const duplicate = UserMother.registered({ email: 'ADA@Example.com' });
    const error = await transactions.run(() => users.save(duplicate)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmailTakenError);
    expect(error).toMatchObject({ code: 'EMAIL_TAKEN' });
    expect(await countUsers(transactions)).toBe(1);
  });

  it('joins the surrounding transaction: a rollback takes the user with it', async () => {
    const { transactions, users } = await repository();
    const ada = UserMother.registered();
    await expect(
      transactions.run(async () => {
        await users.save(ada);
        expect(await users.findById(ada.id)).not.toBeNull();
        throw new Error('the use case failed later');
      }),
    ).rejects.toThrow('the use case failed later');
    expect(await users.findById(ada.id)).toBeNull();
  });
});
