import { InvalidValueError } from './domain-error.js';

/** The most fen an amount may be anywhere (10^12 fen, ten billion yuan): the contracts and the tables bound amounts the same. */
export const MAX_FEN = 1_000_000_000_000;

/** `value` when it is a whole number of fen 0–`MAX_FEN`; INVALID_VALUE naming `field` otherwise. */
export function assertFen(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_FEN)
    throw new InvalidValueError(field, `must be a whole number of fen 0–${MAX_FEN}, got ${value}`);
  return value;
}

/** Integer minor units (fen). Never a float, never negative. */
export class Money {
  private constructor(readonly minor: number) {}

  static readonly ZERO = new Money(0);

  static ofMinor(minor: number): Money {
    if (!Number.isSafeInteger(minor)) throw new InvalidValueError('money', `must be a whole number of minor units, got ${minor}`);
    if (minor < 0) throw new InvalidValueError('money', `must not be negative, got ${minor}`);
    return minor === 0 ? Money.ZERO : new Money(minor);
  }

  add(other: Money): Money {
    return Money.ofMinor(this.minor + other.minor);
  }

  /** Subtracts down to zero at most: a discount never makes a price negative. */
  subtractClamped(other: Money): Money {
    return Money.ofMinor(Math.max(0, this.minor - other.minor));
  }

  subtract(other: Money): Money {
    return Money.ofMinor(this.minor - other.minor);
  }

  times(quantity: number): Money {
    if (!Number.isSafeInteger(quantity) || quantity < 0) throw new InvalidValueError('quantity', `must be a whole number ≥ 0, got ${quantity}`);
    return Money.ofMinor(this.minor * quantity);
  }

  /** `percent` of this amount, rounded down to a whole fen. */
  percent(percent: number): Money {
    if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new InvalidValueError('percent', `must be 0–100, got ${percent}`);
    return Money.ofMinor(Math.floor((this.minor * percent) / 100));
  }

  min(other: Money): Money {
    return this.minor <= other.minor ? this : other;
  }

  isZero(): boolean {
    return this.minor === 0;
  }

  greaterThanOrEqual(other: Money): boolean {
    return this.minor >= other.minor;
  }

  equals(other: Money): boolean {
    return this.minor === other.minor;
  }

  toJSON(): number {
    return this.minor;
  }
}
