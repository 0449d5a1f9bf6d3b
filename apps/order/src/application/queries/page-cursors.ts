import { isUuid } from '@shop/shared-kernel';
import { InvalidCursorError } from '../../domain/order.errors.js';
import { Sku } from '../../domain/sku.js';
import type { OrderCursor } from '../ports/order.queries.js';

/**
 * The lists' cursors, opaque by their encoding only: base64url of the last item's keys (an order's
 * placedAt in ms and id; a product's sku). They name no user: the query pages the caller's own orders.
 * Only the one spelling this service hands out decodes; anything else is INVALID_CURSOR rather than a
 * page of something else.
 */
const encode = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

function decode(cursor: string): string {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw new InvalidCursorError();
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

export const encodeOrderCursor = (cursor: OrderCursor): string => encode(`${cursor.placedAt.getTime()}.${cursor.orderId}`);

export function decodeOrderCursor(cursor: string): OrderCursor {
  const match = /^(0|[1-9][0-9]{0,15})\.([0-9a-f-]{36})$/.exec(decode(cursor));
  if (!match || !isUuid(match[2])) throw new InvalidCursorError();
  const placedAt = Number(match[1]);
  const decoded = { placedAt: new Date(placedAt), orderId: match[2]! };
  if (!Number.isSafeInteger(placedAt) || Number.isNaN(decoded.placedAt.getTime()) || encodeOrderCursor(decoded) !== cursor) throw new InvalidCursorError();
  return decoded;
}

export const encodeProductCursor = (sku: string): string => encode(sku);

export function decodeProductCursor(cursor: string): string {
  const text = decode(cursor);
  let sku: string;
  try {
    sku = Sku.of(text).value;
  } catch {
    throw new InvalidCursorError();
  }
  if (encodeProductCursor(sku) !== cursor) throw new InvalidCursorError();
  return sku;
}
