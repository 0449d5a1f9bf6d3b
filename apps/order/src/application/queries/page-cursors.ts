import { isUuid, opaqueCursorCodec } from '@shop/shared-kernel';
import { Sku } from '../../domain/sku.js';
import type { OrderCursor } from '../ports/order.queries.js';

/**
 * The lists' cursors (`opaqueCursorCodec`: base64url, only the spelling handed out decodes, INVALID_CURSOR
 * otherwise): the last item's keys, an order's placedAt in ms and id, a product's sku. They name no user:
 * the query pages the caller's own orders. 200 characters, as the contract's list queries bound them.
 */
const MAX_CURSOR_LENGTH = 200;

const orderCursor = opaqueCursorCodec<OrderCursor>({
  maxLength: MAX_CURSOR_LENGTH,
  write: (position) => `${position.placedAt.getTime()}.${position.orderId}`,
  read: (text) => {
    const match = /^(0|[1-9][0-9]{0,15})\.([0-9a-f-]{36})$/.exec(text);
    if (!match || !isUuid(match[2])) return undefined;
    const placedAt = new Date(Number(match[1]));
    return Number.isSafeInteger(Number(match[1])) && !Number.isNaN(placedAt.getTime()) ? { placedAt, orderId: match[2]! } : undefined;
  },
});

const productCursor = opaqueCursorCodec<string>({
  maxLength: MAX_CURSOR_LENGTH,
  write: (sku) => sku,
  // Sku.of throws on anything the catalog could not hold: the codec answers INVALID_CURSOR for it.
  read: (text) => Sku.of(text).value,
});

export const encodeOrderCursor = orderCursor.encode;
export const decodeOrderCursor = orderCursor.decode;
export const encodeProductCursor = productCursor.encode;
export const decodeProductCursor = productCursor.decode;
