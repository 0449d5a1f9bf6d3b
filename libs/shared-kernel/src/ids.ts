import { randomUUID } from 'node:crypto';
import { InvalidValueError } from './domain-error.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export const newId = (): string => randomUUID();

export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

export function assertUuid(field: string, value: unknown): string {
  if (!isUuid(value)) throw new InvalidValueError(field, 'must be a UUID');
  return value.toLowerCase();
}

/**
 * An id from an event in its one spelling: lower case, without a `urn:uuid:` prefix. The contracts'
 * `uuid` format admits both other spellings of the same id, and ids are compared as strings (an
 * owner's user id, the order a coupon is locked to) and key rows (a reservation by order id): taken
 * as they arrive, an upper-cased owner id would be NOT_OWNER and a lock taken under one spelling
 * could not be released under another.
 */
export const canonicalId = (id: string): string => id.toLowerCase().replace(/^urn:uuid:/, '');
