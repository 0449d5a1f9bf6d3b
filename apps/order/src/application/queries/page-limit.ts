import { InvalidValueError } from '@shop/shared-kernel';

/** A page size: `bounds.default` when not given, else a whole number 1–`max`. */
export function pageLimit(limit: number | undefined, bounds: { readonly max: number; readonly default: number }): number {
  const value = limit ?? bounds.default;
  if (!Number.isSafeInteger(value) || value < 1 || value > bounds.max)
    throw new InvalidValueError('limit', `must be a whole number 1–${bounds.max}, got ${value}`);
  return value;
}
