import { InvalidValueError } from '@shop/shared-kernel';

export const ROLES = ['customer', 'admin'] as const;

/** What a user may do: every user is a `customer`; an `admin` also manages the shop. */
export type Role = (typeof ROLES)[number];

export const isRole = (value: unknown): value is Role => typeof value === 'string' && (ROLES as readonly string[]).includes(value);

export function parseRole(value: unknown): Role {
  if (!isRole(value)) throw new InvalidValueError('role', `must be one of ${ROLES.join(', ')}, got ${String(value)}`);
  return value;
}
