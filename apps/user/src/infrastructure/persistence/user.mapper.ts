import { Email } from '../../domain/email.js';
import { Nickname } from '../../domain/nickname.js';
import { parseRole } from '../../domain/role.js';
import { User } from '../../domain/user.js';
import type { UserRecord } from './user.entity-schema.js';

/** Between the domain's `User` and a row of `users`. */
export const UserMapper = {
  toRecord(user: User): UserRecord {
    return {
      id: user.id,
      email: user.email.value,
      nickname: user.nickname?.value ?? null,
      passwordHash: user.passwordHash,
      roles: user.roles.join(','),
      registeredAt: user.registeredAt.getTime(),
    };
  },

  toDomain(record: UserRecord): User {
    return User.restore({
      id: record.id,
      email: Email.of(record.email),
      nickname: record.nickname === null ? null : Nickname.of(record.nickname),
      passwordHash: record.passwordHash,
      roles: record.roles
        .split(',')
        .filter((role) => role !== '')
        .map(parseRole),
      registeredAt: new Date(record.registeredAt),
    });
  },
};
