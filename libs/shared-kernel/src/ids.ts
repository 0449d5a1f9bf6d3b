import { randomUUID } from 'node:crypto';
import { InvalidValueError } from './domain-error.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export const newId = (): string => randomUUID();

export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

export function assertUuid(field: string, value: unknown): string {
  if (!isUuid(value)) throw new InvalidValueError(field, 'must be a UUID');
  return value.toLowerCase();
}
