import { isUuid, opaqueCursorCodec } from '@shop/shared-kernel';
import type { PaymentCursor } from '../ports/payment.queries.js';

/** 200 characters at most, as the contract's query bounds it. */
const MAX_CURSOR_LENGTH = 200;

/**
 * The admin list's cursor (`opaqueCursorCodec`: base64url, only the spelling handed out decodes): the last
 * payment's createdAt in ms and its id, `MAX_CURSOR_LENGTH` characters at most. Anything else is the shared
 * `InvalidCursorError` (INVALID_CURSOR).
 */
const paymentCursor = opaqueCursorCodec<PaymentCursor>({
  maxLength: MAX_CURSOR_LENGTH,
  write: (position) => `${position.createdAt.getTime()}.${position.paymentId}`,
  read: (text) => {
    const match = /^(0|[1-9][0-9]{0,15})\.([0-9a-f-]{36})$/.exec(text);
    if (!match || !isUuid(match[2])) return undefined;
    const createdAt = new Date(Number(match[1]));
    return Number.isSafeInteger(Number(match[1])) && !Number.isNaN(createdAt.getTime()) ? { createdAt, paymentId: match[2]! } : undefined;
  },
});

export const encodePaymentCursor = paymentCursor.encode;
export const decodePaymentCursor = paymentCursor.decode;
