import { newId } from '@shop/shared-kernel';
import { Email } from '../email.js';
import { Nickname } from '../nickname.js';
import type { Role } from '../role.js';
import { User, type UserSnapshot } from '../user.js';

let sequence = 0;

/** The one place that knows how to make a valid user; tests say only what matters to them. */
export const UserMother = {
  uniqueEmail(prefix = 'user'): Email {
    sequence += 1;
    return Email.of(`${prefix}-${sequence}-${newId().slice(0, 8)}@example.com`);
  },

  /** A freshly registered user, with its `UserRegistered` event still pending. */
  registered(overrides: { id?: string; email?: string; nickname?: string | null; passwordHash?: string; registeredAt?: Date } = {}): User {
    return User.register({
      id: overrides.id ?? newId(),
      email: overrides.email === undefined ? UserMother.uniqueEmail() : Email.of(overrides.email),
      nickname: overrides.nickname === null ? null : Nickname.of(overrides.nickname ?? 'Ada'),
      passwordHash: overrides.passwordHash ?? 'hashed:correct horse battery',
      registeredAt: overrides.registeredAt ?? new Date('2026-01-01T00:00:00.000Z'),
    });
  },

  /** A user as a repository would hand it back: no pending events. */
  stored(overrides: Partial<Omit<UserSnapshot, 'email' | 'nickname'>> & { email?: string; nickname?: string | null; roles?: readonly Role[] } = {}): User {
    return User.restore({
      id: overrides.id ?? newId(),
      email: overrides.email === undefined ? UserMother.uniqueEmail() : Email.of(overrides.email),
      nickname: overrides.nickname === null ? null : Nickname.of(overrides.nickname ?? 'Ada'),
      passwordHash: overrides.passwordHash ?? 'hashed:correct horse battery',
      registeredAt: overrides.registeredAt ?? new Date('2026-01-01T00:00:00.000Z'),
      roles: overrides.roles ?? ['customer'],
    });
  },
};
