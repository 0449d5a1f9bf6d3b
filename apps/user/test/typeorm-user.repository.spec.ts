import { afterEach, describe, expect, it } from 'vitest';
import { OutboxPayloadTooLargeError } from '@shop/messaging';
import { serviceTestOutbox } from '@shop/runtime/testing';
import { UnsavedDomainEventsError, newId, type EventOutbox } from '@shop/shared-kernel';
import { Cleanups } from '@shop/testing';
import { Email } from '../src/domain/email.js';
import { UserMother } from '../src/domain/testing/user.mother.js';
import { EmailTakenError } from '../src/domain/user.errors.js';
import { KINDS, countUsers, openUserDatabase, outboxRows, userRepository } from './support/user-test-database.js';

describe.each(KINDS)('TypeOrmUserRepository on %s', (kind) => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  async function repository() {
    const { transactions } = await openUserDatabase(kind, cleanups);
    return { transactions, users: userRepository(transactions) };
  }

  it('stores a user and gives it back by id and by e-mail in any letter case', async () => {
    const { transactions, users } = await repository();
    const ada = UserMother.registered({ email: 'Ada.Lovelace@Example.com', nickname: 'Ada 👩‍💻', registeredAt: new Date('2026-01-02T03:04:05.678Z') });
    await transactions.run(() => users.save(ada));

    expect((await users.findById(ada.id))?.toSnapshot()).toEqual(ada.toSnapshot());
    expect((await users.findById(ada.id.toUpperCase()))?.id).toBe(ada.id);
    expect((await users.findByEmail(Email.of('ada.lovelace@EXAMPLE.COM')))?.toSnapshot()).toEqual(ada.toSnapshot());
  });

  it('finds no user whose registration is still open (SQLite: one shared connection), here one rolled back', async () => {
    const { transactions, users } = await repository();
    const ada = UserMother.registered();
    let written!: () => void;
    const writtenInTransaction = new Promise<void>((resolve) => (written = resolve));
    let rollBack!: () => void;
    const rollBackNow = new Promise<void>((resolve) => (rollBack = resolve));
    const registration = transactions.run(async () => {
      await users.save(ada);
      written();
      await rollBackNow;
      throw new Error('rolled back');
    });
    await writtenInTransaction;

    const byId = users.findById(ada.id);
    const byEmail = users.findByEmail(ada.email);
    // Given every chance to run inside the open transaction before it ends.
    await new Promise((resolve) => setTimeout(resolve, 20));
    rollBack();
    await expect(registration).rejects.toThrow('rolled back');
    expect(await byId).toBeNull();
    expect(await byEmail).toBeNull();
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

  describe('saving emits the events the user recorded', () => {
    it('writes them to the outbox with the user, in the same transaction', async () => {
      const { transactions, users } = await repository();
      const ada = UserMother.registered();
      await transactions.run(() => users.save(ada));

      expect((await outboxRows(transactions)).map((row) => [row.type, row.aggregateId])).toEqual([['user.registered.v1', ada.id]]);
      expect(ada.peekDomainEvents()).toEqual([]);
    });

    it('writes a domain event that maps to no integration event (RoleGranted) as nothing, and still saves the change', async () => {
      const { transactions, users } = await repository();
      const stored = UserMother.stored();
      await transactions.run(() => users.save(stored));
      stored.grantRole('admin', new Date());
      await transactions.run(() => users.save(stored));

      expect((await users.findById(stored.id))?.roles).toEqual(['customer', 'admin']);
      expect(await outboxRows(transactions)).toEqual([]);
    });

    it('opens a transaction of its own when called outside one: the user and its event commit together', async () => {
      const { transactions, users } = await repository();
      const ada = UserMother.registered();
      await users.save(ada);

      expect(await countUsers(transactions)).toBe(1);
      expect((await outboxRows(transactions)).map((row) => row.type)).toEqual(['user.registered.v1']);
    });

    it('leaves no user behind when its event cannot be written, even outside a unit of work', async () => {
      const { transactions } = await repository();
      const real = serviceTestOutbox('user', transactions);
      const failing: EventOutbox = {
        add: async (...events) => {
          await real.add(...events);
          throw new Error('outbox failed after writing');
        },
      };
      const users = userRepository(transactions, failing);

      await expect(users.save(UserMother.registered())).rejects.toThrow('outbox failed after writing');
      expect(await countUsers(transactions)).toBe(0);
      expect(await outboxRows(transactions)).toEqual([]);
    });

    it('refuses to commit while a saved user holds events recorded after its save: nothing is stored', async () => {
      const { transactions, users } = await repository();
      const ada = UserMother.registered();

      const error = await transactions
        .run(async () => {
          await users.save(ada);
          ada.grantRole('admin', new Date()); // changed after the save and never saved again
        })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(UnsavedDomainEventsError);
      expect(error).toMatchObject({ aggregate: 'User', aggregateId: ada.id, eventTypes: ['RoleGranted'] });
      expect(await countUsers(transactions)).toBe(0);
      expect(await outboxRows(transactions)).toEqual([]);
    });

    it('refuses to commit when a user loaded in the transaction was changed and never saved', async () => {
      const { transactions, users } = await repository();
      const stored = UserMother.stored({ email: 'ada@example.com' });
      await transactions.run(() => users.save(stored));

      const error = await transactions
        .run(async () => {
          const loaded = (await users.findByEmail(Email.of('ada@example.com')))!;
          loaded.grantRole('admin', new Date()); // the save is forgotten
          await users.save(UserMother.registered()); // other work of the same transaction
        })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(UnsavedDomainEventsError);
      expect(error).toMatchObject({ aggregateId: stored.id, eventTypes: ['RoleGranted'] });
      expect((await users.findById(stored.id))?.roles).toEqual(['customer']);
      expect(await countUsers(transactions)).toBe(1);
      expect(await outboxRows(transactions)).toEqual([]);
    });

    it('keeps the events on the user when its save fails, and writes them once when it is saved again', async () => {
      const { transactions } = await repository();
      const real = serviceTestOutbox('user', transactions);
      let failures = 1;
      const failingOnce: EventOutbox = {
        add: async (...events) => {
          await real.add(...events);
          if (failures-- > 0) throw new Error('outbox failed after writing');
        },
      };
      const users = userRepository(transactions, failingOnce);
      const ada = UserMother.registered();

      await expect(users.save(ada)).rejects.toThrow('outbox failed after writing');
      expect(ada.peekDomainEvents().map((event) => event.type)).toEqual(['UserRegistered']);
      await users.save(ada);

      expect(await countUsers(transactions)).toBe(1);
      expect((await outboxRows(transactions)).map((row) => [row.type, row.aggregateId])).toEqual([['user.registered.v1', ada.id]]);
      expect(ada.peekDomainEvents()).toEqual([]);
    });

    it('writes the events exactly once when the work of a rolled-back transaction runs again', async () => {
      const { transactions, users } = await repository();
      const ada = UserMother.registered(); // created outside the work, as a rerun sees it
      let attempt = 0;
      const work = async () => {
        await users.save(ada);
        if (++attempt === 1) throw new Error('the first attempt failed after the save');
      };
      await expect(transactions.run(work)).rejects.toThrow('the first attempt failed');
      await transactions.run(work);

      expect(await countUsers(transactions)).toBe(1);
      expect((await outboxRows(transactions)).map((row) => row.type)).toEqual(['user.registered.v1']);
      expect(ada.peekDomainEvents()).toEqual([]);
    });

    if (kind === 'postgres') {
      it('writes the events exactly once when TransactionHost retries the work after a serialization failure', async () => {
        const { transactions, users } = await repository();
        const ada = UserMother.registered();
        let attempts = 0;
        await transactions.run(async () => {
          await users.save(ada);
          if (++attempts === 1) throw Object.assign(new Error('could not serialize access'), { code: '40001' });
        });

        expect(attempts).toBe(2);
        expect(await countUsers(transactions)).toBe(1);
        expect((await outboxRows(transactions)).map((row) => row.type)).toEqual(['user.registered.v1']);
        expect(ada.peekDomainEvents()).toEqual([]);
      });
    }

    it('fails the commit loudly when the use case catches the outbox refusing the events: nothing is stored', async () => {
      const { transactions } = await repository();
      const tiny = serviceTestOutbox('user', transactions, { maxPayloadBytes: 1 });
      const users = userRepository(transactions, tiny);
      const ada = UserMother.registered();
      let caught: unknown;

      const error = await transactions
        .run(async () => {
          await users.save(ada).catch((e: unknown) => (caught = e)); // handled, and the use case carries on
        })
        .catch((e: unknown) => e);

      expect(caught).toBeInstanceOf(OutboxPayloadTooLargeError);
      expect(error).toBeInstanceOf(UnsavedDomainEventsError);
      expect(error).toMatchObject({ aggregateId: ada.id, eventTypes: ['UserRegistered'] });
      expect(await countUsers(transactions)).toBe(0);
      expect(await outboxRows(transactions)).toEqual([]);
      expect(ada.peekDomainEvents().map((event) => event.type)).toEqual(['UserRegistered']);
    });

    it('commits once the user is saved again after the later change', async () => {
      const { transactions, users } = await repository();
      const ada = UserMother.registered();
      await transactions.run(async () => {
        await users.save(ada);
        ada.grantRole('admin', new Date());
        await users.save(ada);
      });

      expect((await users.findById(ada.id))?.roles).toEqual(['customer', 'admin']);
      expect((await outboxRows(transactions)).map((row) => row.type)).toEqual(['user.registered.v1']);
    });
  });
});
