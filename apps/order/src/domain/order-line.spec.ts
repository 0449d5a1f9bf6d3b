import { describe, expect, it } from 'vitest';
import { OrderLine } from './order-line.js';
import { Sku } from './sku.js';

describe('Sku', () => {
  it.each(['A', 'MUG-CERAMIC', 'TEA_LONGJING.100G', '9', 'A'.repeat(64)])('takes %s', (sku) => {
    expect(Sku.of(sku).value).toBe(sku);
  });

  it.each(['', 'mug', 'Mug-1', '-MUG', '.A', 'A B', 'A/B', 'A'.repeat(65), 'ÄPFEL'])('refuses %j with INVALID_VALUE on the sku', (sku) => {
    expect(() => Sku.of(sku)).toThrow(expect.objectContaining({ code: 'INVALID_VALUE', details: { field: 'sku' } }));
  });
});

describe('OrderLine', () => {
  it('totals unit price × quantity in whole fen', () => {
    expect(OrderLine.of({ sku: 'MUG', name: 'Mug', quantity: 3, unitPrice: 1_999 }).toSnapshot()).toEqual({
      sku: 'MUG',
      name: 'Mug',
      quantity: 3,
      unitPrice: 1_999,
      lineTotal: 5_997,
    });
    expect(OrderLine.of({ sku: 'GOLD', name: 'Gold', quantity: 99, unitPrice: 100_000_000 }).lineTotal.minor).toBe(9_900_000_000);
  });

  it.each([
    ['quantity', { quantity: 0 }],
    ['quantity', { quantity: 100 }],
    ['quantity', { quantity: -1 }],
    ['quantity', { quantity: 1.5 }],
    ['unitPrice', { unitPrice: 0 }],
    ['unitPrice', { unitPrice: 100_000_001 }],
    ['unitPrice', { unitPrice: 10.5 }],
    ['sku', { sku: 'mug' }],
  ])('refuses a bad %s (%j) with INVALID_VALUE', (field, bad) => {
    expect(() => OrderLine.of({ sku: 'MUG', name: 'Mug', quantity: 1, unitPrice: 100, ...bad })).toThrow(
      expect.objectContaining({ code: 'INVALID_VALUE', details: { field } }),
    );
  });
});
