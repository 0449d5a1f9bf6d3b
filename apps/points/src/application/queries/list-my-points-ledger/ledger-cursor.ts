import { InvalidLedgerCursorError } from '../../../domain/points.errors.js';

/**
 * A ledger page's cursor: the last entry's `seq` (the ledger's global sequence), in base64url: opaque by
 * its encoding only (anyone can decode it; it names no user, and the query pages the caller's own ledger).
 * Only the one spelling this service hands out decodes; anything else is INVALID_CURSOR rather than a page
 * of some other entries.
 */
export const encodeLedgerCursor = (seq: number): string => Buffer.from(String(seq), 'utf8').toString('base64url');

export function decodeLedgerCursor(cursor: string): number {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) throw new InvalidLedgerCursorError();
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[1-9][0-9]{0,15}$/.test(text)) throw new InvalidLedgerCursorError();
  const seq = Number(text);
  if (!Number.isSafeInteger(seq) || encodeLedgerCursor(seq) !== cursor) throw new InvalidLedgerCursorError();
  return seq;
}
