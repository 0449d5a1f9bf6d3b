import { describe, expect, it } from 'vitest';
import { UserMother } from '../../domain/testing/user.mother.js';
import { UserMapper } from './user.mapper.js';

describe('UserMapper', () => {
  it('turns a user into a row and back without losing anything', () => {
    const user = UserMother.stored({
      email: 'Ada@Example.com',
      nickname: 'Ada',
      roles: ['admin', 'customer'],
      registeredAt: new Date('2026-01-02T03:04:05.678Z'),
    });
    const record = UserMapper.toRecord(user);

    expect(record).toEqual({
      id: user.id,
      email: 'Ada@Example.com',
      nickname: 'Ada',
      passwordHash: user.passwordHash,
      roles: 'customer,admin',
      registeredAt: Date.parse('2026-01-02T03:04:05.678Z'),
    });
    expect(UserMapper.toDomain(record).toSnapshot()).toEqual(user.toSnapshot());
  });

  it('keeps a missing nickname missing', () => {
    const user = UserMother.stored({ nickname: null });
    expect(UserMapper.toDomain(UserMapper.toRecord(user)).nickname).toBeNull();
  });
});
