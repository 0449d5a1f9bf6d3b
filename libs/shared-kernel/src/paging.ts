import { DomainError, InvalidValueError } from './domain-error.js';

/** A page size as a list query takes it: `bounds.default` when not given, else a whole number 1–`bounds.max` (INVALID_VALUE otherwise). */
export function pageLimit(limit: number | undefined, bounds: { readonly max: number; readonly default: number }): number {
  const value = limit ?? bounds.default;
  if (!Number.isSafeInteger(value) || value < 1 || value > bounds.max)
    throw new InvalidValueError('limit', `must be a whole number 1–${bounds.max}, got ${value}`);
  return value;
}

/** Turns a list's position (its last item's keys) into the cursor of the next page and back. */
export interface CursorCodec<T> {
  readonly encode: (position: T) => string;
  /** Throws the codec's `invalid()` error for anything `encode` would not have given. */
  readonly decode: (cursor: string) => T;
}

export interface CursorCodecSpec<T> {
  /** The longest cursor `encode` gives (the HTTP contract's query bounds it the same). */
  readonly maxLength: number;
  /** The position as text (before base64url). */
  write(position: T): string;
  /** The position `text` spells, or undefined (or a throw) when it spells none. */
  read(text: string): T | undefined;
  /** The list's refusal of a cursor it did not give; `InvalidCursorError` (INVALID_CURSOR, naming the `cursor` field) when not given. */
  invalid?(): Error;
}

/** A page cursor the list did not hand out (or a spelling of one it never would): 400 INVALID_CURSOR on the `cursor` field. */
export class InvalidCursorError extends DomainError {
  /** `list`: what the cursor pages, as the message names it ('list', 'ledger'). */
  constructor(list = 'list') {
    super('INVALID_CURSOR', `cursor: is not a cursor from a previous page of this ${list}`, { field: 'cursor' });
  }
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * A page cursor, opaque by its encoding only: base64url of the position's text. Anyone can decode it, so
 * it names no owner (a query pages its caller's own items). Only the one spelling `encode` hands out
 * decodes: a cursor is read, then written again and must come out the same, so a tampered, padded or
 * re-spelt one is `invalid()` rather than a page of something else.
 */
export function opaqueCursorCodec<T>(spec: CursorCodecSpec<T>): CursorCodec<T> {
  const invalid = (): Error => (spec.invalid ? spec.invalid() : new InvalidCursorError());
  const encode = (position: T): string => Buffer.from(spec.write(position), 'utf8').toString('base64url');
  const decode = (cursor: string): T => {
    if (cursor.length === 0 || cursor.length > spec.maxLength || !BASE64URL.test(cursor)) throw invalid();
    let position: T | undefined;
    try {
      position = spec.read(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      throw invalid();
    }
    if (position === undefined || encode(position) !== cursor) throw invalid();
    return position;
  };
  return { encode, decode };
}
