import { DomainError } from '@shop/shared-kernel';
import type { Role } from './role.js';

export class EmailTakenError extends DomainError {
  constructor(email: string) {
    super('EMAIL_TAKEN', `an account with the e-mail address '${email}' already exists`, { email });
  }
}

/** Deliberately says nothing about which part was wrong: the address or the password. */
export class InvalidCredentialsError extends DomainError {
  constructor() {
    super('INVALID_CREDENTIALS', 'the e-mail address or the password is wrong');
  }
}

export class UserNotFoundError extends DomainError {
  constructor(userId: string) {
    super('USER_NOT_FOUND', `user ${userId} does not exist`, { userId });
  }
}

export class RoleAlreadyGrantedError extends DomainError {
  constructor(userId: string, role: Role) {
    super('ROLE_ALREADY_GRANTED', `user ${userId} already has the role '${role}'`, { userId, role });
  }
}

/**
 * The address chosen for the administrator belongs to an account someone already registered
 * without the admin role: neither granting it the role nor taking the account over is safe.
 */
export class AdminEmailHeldByCustomerError extends DomainError {
  constructor(email: string, userId: string) {
    super('ADMIN_EMAIL_HELD_BY_CUSTOMER', `the address '${email}' belongs to an existing account (${userId}) that is not an administrator`, { email, userId });
  }
}
