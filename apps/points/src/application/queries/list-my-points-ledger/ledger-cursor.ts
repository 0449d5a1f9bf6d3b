import { InvalidCursorError, opaqueCursorCodec } from '@shop/shared-kernel';

/**
 * A ledger page's cursor (`opaqueCursorCodec`: base64url, only the spelling handed out decodes): the last
 * entry's `seq`, the ledger's global sequence. It names no user: the query pages the caller's own ledger.
 * 64 characters, as the contract's PointsLedgerQuery bounds it.
 */
const ledgerCursor = opaqueCursorCodec<number>({
  maxLength: 64,
  write: (seq) => String(seq),
  read: (text) => (/^[1-9][0-9]{0,15}$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : undefined),
  invalid: () => new InvalidCursorError('ledger'),
});

export const encodeLedgerCursor = ledgerCursor.encode;
export const decodeLedgerCursor = ledgerCursor.decode;
