import { assertFen } from '@shop/shared-kernel';
import { InvalidPointsError } from './points.errors.js';

/** A trillion points bounds every amount moved at once (an entry, an order's points), as a trillion fen bounds every amount of money. */
export const MAX_POINTS = 1_000_000_000_000;

/**
 * What a balance (available, frozen, lifetimeEarned, debt) may add up to: far more than one amount, since
 * a user's entries add up over the years. Numbers stay exact up to it, and the BIGINT columns hold it.
 */
export const MAX_BALANCE = Number.MAX_SAFE_INTEGER;

/** Fen of the amount paid that earn one point: one point per full yuan. */
const FEN_PER_EARNED_POINT = 100;

/** A whole number of points moved at once, 0 to 10^12 (balances use `balancePart`). One point is worth one fen at checkout. */
export class Points {
  private constructor(readonly value: number) {}

  static readonly zero = new Points(0);

  static of(value: number, field = 'points'): Points {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new InvalidPointsError(field, `must be a whole number, got ${String(value)}`);
    if (value < 0) throw new InvalidPointsError(field, `must not be negative, got ${value}`);
    if (value > MAX_POINTS) throw new InvalidPointsError(field, `must be at most ${MAX_POINTS}, got ${value}`);
    return value === 0 ? Points.zero : new Points(value);
  }

  /** What a payment earns: one point per full yuan (100 fen), rounded down. */
  static earnedFor(amountPaidFen: number): Points {
    return Points.of(Math.floor(assertFen('amountPaid', amountPaidFen) / FEN_PER_EARNED_POINT));
  }

  plus(other: Points): Points {
    return Points.of(this.value + other.value);
  }

  /** Throws rather than go below zero: no balance is ever negative. */
  minus(other: Points): Points {
    if (other.value > this.value) throw new InvalidPointsError('points', `${this.value} − ${other.value} would be negative`);
    return Points.of(this.value - other.value);
  }

  min(other: Points): Points {
    return this.value <= other.value ? this : other;
  }

  isZero(): boolean {
    return this.value === 0;
  }

  isAtLeast(other: Points): boolean {
    return this.value >= other.value;
  }

  equals(other: Points): boolean {
    return this.value === other.value;
  }

  toJSON(): number {
    return this.value;
  }
}

/** One part of a balance (`field`: available, frozen, …): a whole number from 0 to `MAX_BALANCE`. */
export function balancePart(value: number, field: string): number {
  // Past MAX_SAFE_INTEGER a sum is no longer exact: isSafeInteger refuses it along with fractions.
  if (!Number.isSafeInteger(value)) throw new InvalidPointsError(field, `must be a whole number up to ${MAX_BALANCE}, got ${value}`);
  if (value < 0) throw new InvalidPointsError(field, `must not be negative, got ${value}`);
  return value;
}
