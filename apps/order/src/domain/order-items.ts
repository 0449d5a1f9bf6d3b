import { InvalidValueError } from '@shop/shared-kernel';
import { DuplicateSkuError } from './order.errors.js';
import { Sku } from './sku.js';

export const MAX_LINES = 50;
export const MIN_QUANTITY = 1;
export const MAX_QUANTITY = 99;
/** A trillion points (fen) bounds what one order may use, as the contracts bound every amount. */
export const MAX_POINTS_TO_USE = 1_000_000_000_000;

/** One line as the customer asks for it: a sku and how many, not priced yet. */
export interface OrderItem {
  readonly sku: string;
  readonly quantity: number;
}

/** What a customer asks an order for, checked. */
export interface OrderRequest {
  readonly items: readonly OrderItem[];
  readonly pointsToUse: number;
}

export function checkedQuantity(quantity: unknown): number {
  if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity < MIN_QUANTITY || quantity > MAX_QUANTITY)
    throw new InvalidValueError('quantity', `must be a whole number ${MIN_QUANTITY}–${MAX_QUANTITY}, got ${String(quantity)}`);
  return quantity;
}

/**
 * The one check of what an order asks for: 1–50 lines, each a well-spelled sku 1–99 times, no sku on
 * two lines, and 0–10^12 points to use. One sku on two lines is refused (DUPLICATE_SKU), not merged:
 * merging could silently pass the 99-per-line cap, and it hides a client's bug. The place-order use
 * case runs it before reading the catalog (a bad request costs no query); `Order.place` runs it on the
 * priced lines, so no order is made of what this refuses. Points beyond the subtotal need the prices:
 * `Order.place` refuses those (POINTS_EXCEED_SUBTOTAL).
 */
export function checkedOrderRequest(request: {
  readonly items: ReadonlyArray<{ readonly sku: unknown; readonly quantity: unknown }>;
  readonly pointsToUse: unknown;
}): OrderRequest {
  const { items, pointsToUse } = request;
  if (items.length < 1 || items.length > MAX_LINES) throw new InvalidValueError('items', `must be 1–${MAX_LINES} lines, got ${items.length}`);
  const checked = items.map((item) => ({ sku: Sku.of(item.sku).value, quantity: checkedQuantity(item.quantity) }));
  const seen = new Set<string>();
  const repeated = new Set(checked.filter(({ sku }) => seen.has(sku) || !seen.add(sku)).map(({ sku }) => sku));
  if (repeated.size > 0) throw new DuplicateSkuError([...repeated]);
  if (typeof pointsToUse !== 'number' || !Number.isSafeInteger(pointsToUse) || pointsToUse < 0 || pointsToUse > MAX_POINTS_TO_USE)
    throw new InvalidValueError('pointsToUse', `must be a whole number 0–${MAX_POINTS_TO_USE}, got ${String(pointsToUse)}`);
  return { items: checked, pointsToUse };
}
