import { describe, expect, it } from 'vitest';
import { assertFen, MAX_FEN, Money } from './money.js';
import { InvalidValueError } from './domain-error.js';

describe('Money', () => {
  it('refuses fractions, negatives and unsafe integers', () => {
    expect(() => Money.ofMinor(1.5)).toThrow(InvalidValueError);
    expect(() => Money.ofMinor(-1)).toThrow(InvalidValueError);
    expect(() => Money.ofMinor(Number.MAX_SAFE_INTEGER + 1)).toThrow(InvalidValueError);
  });

  it('adds, multiplies and takes percentages in whole fen, rounding down', () => {
    expect(Money.ofMinor(1999).times(3).minor).toBe(5997);
    expect(Money.ofMinor(999).percent(15).minor).toBe(149);
    expect(Money.ofMinor(100).add(Money.ofMinor(1)).minor).toBe(101);
  });

  it('never goes below zero', () => {
    expect(() => Money.ofMinor(100).subtract(Money.ofMinor(101))).toThrow(InvalidValueError);
    expect(Money.ofMinor(100).subtractClamped(Money.ofMinor(101)).isZero()).toBe(true);
  });
});

describe('assertFen', () => {
  it('gives back a whole number of fen from 0 to 10^12', () => {
    expect(assertFen('amount', 0)).toBe(0);
    expect(assertFen('amount', 1999)).toBe(1999);
    expect(assertFen('amount', MAX_FEN)).toBe(1_000_000_000_000);
  });

  it.each([
    ['one fen over 10^12', MAX_FEN + 1],
    ['a negative amount', -1],
    ['a fraction', 0.5],
    ['NaN', Number.NaN],
    ['infinity', Number.POSITIVE_INFINITY],
    ['an unsafe integer', Number.MAX_SAFE_INTEGER + 1],
  ])('refuses %s with INVALID_VALUE naming the field', (_, value) => {
    expect(() => assertFen('discount', value)).toThrow(expect.objectContaining({ code: 'INVALID_VALUE', details: { field: 'discount' } }));
  });
});
