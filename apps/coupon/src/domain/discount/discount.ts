import { Money } from '@shop/shared-kernel';
import { InvalidDiscountError } from '../coupon.errors.js';

/**
 * A discount as stored and as published: its `kind` and its own fields, plain values only. The
 * snapshots of the built-in kinds have the shape of the HTTP contract's discount answer.
 */
export type DiscountSnapshot = { readonly kind: string; readonly [field: string]: string | number | null };

/** How much a coupon takes off an order. */
export interface Discount {
  readonly kind: string;
  /** The subtotal below which the coupon does not apply (zero: always applies). */
  readonly minSpend: Money;
  /** Whether the coupon applies to an order of this subtotal at all (subtotal ≥ minSpend). */
  appliesTo(subtotal: Money): boolean;
  /** What comes off this subtotal, never more than the subtotal (min spend is `appliesTo`'s business). */
  amountFor(subtotal: Money): Money;
  toSnapshot(): DiscountSnapshot;
}

/** One kind of discount: reads (and validates) its snapshots. Registered once, in `discountKinds`. */
export interface DiscountKind {
  readonly kind: string;
  /** Throws `InvalidDiscountError` (INVALID_DISCOUNT) for a snapshot this kind cannot hold. */
  fromSnapshot(snapshot: DiscountSnapshot): Discount;
}

/** The largest amount of fen a discount field may hold (the HTTP contract's bound). */
export const MAX_DISCOUNT_FEN = 10_000_000_000;

/**
 * A whole number of fen from a snapshot field, within `[min, MAX_DISCOUNT_FEN]`; an absent (or null)
 * optional field gives `fallback`.
 */
export function fenField(snapshot: DiscountSnapshot, field: string, min: number, fallback?: Money | null): Money;
export function fenField(snapshot: DiscountSnapshot, field: string, min: number, fallback: null): Money | null;
export function fenField(snapshot: DiscountSnapshot, field: string, min: number, fallback?: Money | null): Money | null {
  const value = snapshot[field];
  if (value === undefined || value === null) {
    if (fallback !== undefined) return fallback;
    throw new InvalidDiscountError(field, 'is required');
  }
  return Money.ofMinor(integerField(snapshot, field, min, MAX_DISCOUNT_FEN));
}

/** A whole number from a snapshot field, within `[min, max]`. */
export function integerField(snapshot: DiscountSnapshot, field: string, min: number, max: number): number {
  const value = snapshot[field];
  if (value === undefined || value === null) throw new InvalidDiscountError(field, 'is required');
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new InvalidDiscountError(field, `must be a whole number, got ${JSON.stringify(value)}`);
  if (value < min || value > max) throw new InvalidDiscountError(field, `must be ${min}–${max}, got ${value}`);
  return value;
}

/** Refuses fields a kind does not know, so a typo never silently drops a condition. */
export function onlyFields(snapshot: DiscountSnapshot, allowed: readonly string[]): void {
  for (const field of Object.keys(snapshot)) {
    if (field !== 'kind' && !allowed.includes(field)) throw new InvalidDiscountError(field, `is not a field of a '${snapshot.kind}' discount`);
  }
}
