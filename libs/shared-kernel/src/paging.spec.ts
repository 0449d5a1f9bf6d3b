import { describe, expect, it } from 'vitest';
import { DomainError } from './domain-error.js';
import { InvalidCursorError, opaqueCursorCodec, pageLimit } from './paging.js';

describe('pageLimit', () => {
  const bounds = { max: 100, default: 20 };

  it('is the default when none is given, else the one given within 1–max', () => {
    expect(pageLimit(undefined, bounds)).toBe(20);
    expect(pageLimit(1, bounds)).toBe(1);
    expect(pageLimit(100, bounds)).toBe(100);
  });

  it.each([0, -1, 101, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses %s with INVALID_VALUE on limit', (limit) => {
    expect(() => pageLimit(limit, bounds)).toThrow(expect.objectContaining({ code: 'INVALID_VALUE', details: { field: 'limit' } }));
  });
});

describe('opaqueCursorCodec', () => {
  class BadCursor extends DomainError {
    constructor() {
      super('INVALID_CURSOR', 'not a cursor of this list', { field: 'cursor' });
    }
  }
  // A position like a ledger's: a positive sequence number.
  const seqCursor = opaqueCursorCodec<number>({
    maxLength: 24,
    write: (seq) => String(seq),
    read: (text) => (/^[1-9][0-9]{0,14}$/.test(text) ? Number(text) : undefined),
    invalid: () => new BadCursor(),
  });
  const refused = (cursor: string) => {
    try {
      seqCursor.decode(cursor);
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it('gives base64url of the position and reads it back', () => {
    expect(seqCursor.encode(42)).toBe(Buffer.from('42').toString('base64url'));
    for (const seq of [1, 42, 999_999_999_999_999]) expect(seqCursor.decode(seqCursor.encode(seq))).toBe(seq);
  });

  it.each<[string, string]>([
    ['an empty cursor', ''],
    ['characters outside base64url', 'NDI='],
    ['a cursor over the length bound', 'M'.repeat(25)],
    ['text that spells no position', Buffer.from('abc').toString('base64url')],
    ['a position spelt otherwise than encode spells it', Buffer.from('042').toString('base64url')],
    ['a re-spelt cursor decoding to the same text (trailing bits)', `${seqCursor.encode(42).slice(0, -1)}J`],
  ])('refuses %s with the list’s own error', (_, cursor) => {
    expect(refused(cursor)).toBeInstanceOf(BadCursor);
  });

  it('refuses what the reader throws on with the list’s own error, not the reader’s', () => {
    const strict = opaqueCursorCodec<string>({
      maxLength: 50,
      write: (text) => text,
      read: (text) => {
        if (text !== text.toUpperCase()) throw new Error('lower case');
        return text;
      },
      invalid: () => new BadCursor(),
    });
    expect(strict.decode(strict.encode('TEA'))).toBe('TEA');
    expect(() => strict.decode(strict.encode('tea'))).toThrow(BadCursor);
  });
});

describe('InvalidCursorError', () => {
  it('is what a codec refuses with when the list names no error of its own: INVALID_CURSOR on the cursor field', () => {
    const plain = opaqueCursorCodec<number>({ maxLength: 24, write: String, read: (text) => (/^[1-9][0-9]{0,14}$/.test(text) ? Number(text) : undefined) });
    expect(plain.decode(plain.encode(7))).toBe(7);
    expect(() => plain.decode('NDI=')).toThrow(InvalidCursorError);
    expect(() => plain.decode(Buffer.from('07').toString('base64url'))).toThrow(
      expect.objectContaining({ code: 'INVALID_CURSOR', message: 'cursor: is not a cursor from a previous page of this list', details: { field: 'cursor' } }),
    );
  });

  it('names what it pages when told', () => {
    expect(new InvalidCursorError('ledger')).toMatchObject({ code: 'INVALID_CURSOR', message: 'cursor: is not a cursor from a previous page of this ledger' });
  });
});
