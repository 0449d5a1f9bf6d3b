import { describe, expect, it } from 'vitest';
import { Money } from './money.js';
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
