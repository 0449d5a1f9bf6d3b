import type { DomainEvent } from '@shop/shared-kernel';
import type { Role } from './role.js';

export interface UserRegistered extends DomainEvent {
  readonly type: 'UserRegistered';
  readonly email: string;
  readonly nickname: string | null;
}

export interface RoleGranted extends DomainEvent {
  readonly type: 'RoleGranted';
  readonly role: Role;
}

export type UserEvent = UserRegistered | RoleGranted;
