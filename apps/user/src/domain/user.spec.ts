import { describe, expect, it } from 'vitest';
import { Email } from './email.js';
import { Nickname } from './nickname.js';
import { User } from './user.js';
import { RoleAlreadyGrantedError } from './user.errors.js';
import { UserMother } from './testing/user.mother.js';

const at = new Date('2026-03-01T12:00:00.000Z');

describe('User', () => {
  it('registers as a customer and records UserRegistered once', () => {
    const user = User.register({
      id: '5b0c8f7e-3d2a-4c1b-9e8f-7a6b5c4d3e2f',
      email: Email.of('Ada@Example.com'),
      nickname: Nickname.of('Ada'),
      passwordHash: 'hash',
      registeredAt: at,
    });

    expect(user.roles).toEqual(['customer']);
    expect(user.pullDomainEvents()).toEqual([{ type: 'UserRegistered', aggregateId: user.id, occurredAt: at, email: 'Ada@Example.com', nickname: 'Ada' }]);
    expect(user.pullDomainEvents()).toEqual([]);
  });

  it('grants a role it does not have yet and records RoleGranted', () => {
    const user = UserMother.stored();
    user.grantRole('admin', at);
    expect(user.hasRole('admin')).toBe(true);
    expect(user.roles).toEqual(['customer', 'admin']);
    expect(user.pullDomainEvents()).toEqual([{ type: 'RoleGranted', aggregateId: user.id, occurredAt: at, role: 'admin' }]);
  });

  it('refuses to grant a role twice, changing nothing', () => {
    const user = UserMother.stored({ roles: ['admin', 'customer'] });
    expect(() => user.grantRole('admin', at)).toThrow(RoleAlreadyGrantedError);
    expect(user.roles).toEqual(['customer', 'admin']);
    expect(user.pullDomainEvents()).toEqual([]);
  });

  it('restores from a snapshot without recording anything', () => {
    const original = UserMother.registered({ nickname: null });
    const restored = User.restore(original.toSnapshot());
    expect(restored.toSnapshot()).toEqual(original.toSnapshot());
    expect(restored.nickname).toBeNull();
    expect(restored.pullDomainEvents()).toEqual([]);
  });
});
