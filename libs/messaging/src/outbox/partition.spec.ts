import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { partitionOf } from './partition.js';

describe('partitionOf', () => {
  it('is stable for an aggregate and spreads aggregates over all partitions', () => {
    const id = randomUUID();
    expect(partitionOf(id, 16)).toBe(partitionOf(id, 16));
    const counts = new Array(16).fill(0);
    for (let i = 0; i < 16_000; i++) counts[partitionOf(randomUUID(), 16)]++;
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(Math.max(...counts)).toBeLessThan(1200);
  });
});
