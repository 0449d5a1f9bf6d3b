import { describe, expect, it } from 'vitest';
import { InvalidPointsError } from './points.errors.js';
import { MAX_BALANCE, MAX_POINTS, Points, balancePart } from './points.js';

describe('Points', () => {
  it.each([0, 1, 250, MAX_POINTS])('holds %s', (value) => {
    expect(Points.of(value).value).toBe(value);
  });

  it.each<[string, number]>([
    ['negative', -1],
    ['fractional', 1.5],
    ['above a trillion', MAX_POINTS + 1],
    ['not a number', Number.NaN],
    ['infinite', Number.POSITIVE_INFINITY],
    ['beyond a safe integer', 2 ** 53],
  ])('refuses a %s value with INVALID_POINTS, naming the field', (_, value) => {
    expect(() => Points.of(value, 'pointsToUse')).toThrow(InvalidPointsError);
    expect(() => Points.of(value, 'pointsToUse')).toThrow(expect.objectContaining({ code: 'INVALID_POINTS', details: { field: 'pointsToUse' } }));
  });

  it('refuses what is not a number at all', () => {
    expect(() => Points.of('5' as unknown as number)).toThrow(expect.objectContaining({ code: 'INVALID_POINTS' }));
  });

  it('adds, subtracts, compares and takes the smaller', () => {
    const seven = Points.of(7);
    const three = Points.of(3);
    expect(seven.plus(three).value).toBe(10);
    expect(seven.minus(three).value).toBe(4);
    expect(seven.minus(seven).isZero()).toBe(true);
    expect(seven.min(three)).toBe(three);
    expect(three.min(seven)).toBe(three);
    expect([seven.isAtLeast(three), three.isAtLeast(seven), seven.isAtLeast(Points.of(7))]).toEqual([true, false, true]);
    expect(Points.of(0)).toBe(Points.zero);
    expect(seven.equals(Points.of(7))).toBe(true);
    expect(JSON.stringify({ points: seven })).toBe('{"points":7}');
  });

  it('never goes below zero nor above a trillion', () => {
    expect(() => Points.of(3).minus(Points.of(4))).toThrow(expect.objectContaining({ code: 'INVALID_POINTS' }));
    expect(() => Points.of(MAX_POINTS).plus(Points.of(1))).toThrow(expect.objectContaining({ code: 'INVALID_POINTS' }));
  });

  it.each([
    [0, 0],
    [99, 0],
    [100, 1],
    [199, 1],
    [200, 2],
    [12_345, 123],
    [1_000_000_000_000, 10_000_000_000],
  ])('earns one point per full yuan: %s fen paid earn %s', (fen, points) => {
    expect(Points.earnedFor(fen).value).toBe(points);
  });

  it.each([-100, 100.5, Number.NaN, 1_000_000_000_001])('refuses to earn for an amount paid of %s', (fen) => {
    expect(() => Points.earnedFor(fen)).toThrow(expect.objectContaining({ code: 'INVALID_VALUE', details: { field: 'amountPaid' } }));
  });

  it.each([0, MAX_POINTS + 1, MAX_BALANCE])('holds a balance part of %s: more than one amount, up to the exact integers', (value) => {
    expect(balancePart(value, 'lifetimeEarned')).toBe(value);
  });

  it.each([-1, 1.5, MAX_BALANCE + 1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a balance part of %s with INVALID_POINTS, naming the part', (value) => {
    expect(() => balancePart(value, 'debt')).toThrow(expect.objectContaining({ code: 'INVALID_POINTS', details: { field: 'debt' } }));
  });
});
