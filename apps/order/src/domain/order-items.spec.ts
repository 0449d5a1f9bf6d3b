import { describe, expect, it } from 'vitest';
import { checkedOrderRequest, MAX_LINES, MAX_POINTS_TO_USE } from './order-items.js';

const item = (sku: string, quantity = 1) => ({ sku, quantity });

describe('checkedOrderRequest: the one check of what an order asks for', () => {
  it('takes 1–50 lines of distinct skus, 1–99 each, and 0–10^12 points, as given', () => {
    expect(checkedOrderRequest({ items: [item('TEA', 2), item('MUG', 99)], pointsToUse: 0 })).toEqual({
      items: [item('TEA', 2), item('MUG', 99)],
      pointsToUse: 0,
    });
    const most = Array.from({ length: MAX_LINES }, (_, i) => item(`SKU-${i}`, 99));
    expect(checkedOrderRequest({ items: most, pointsToUse: MAX_POINTS_TO_USE }).items).toHaveLength(MAX_LINES);
  });

  it.each<[string, { items: Array<{ sku: unknown; quantity: unknown }>; pointsToUse: unknown }, string]>([
    ['no lines', { items: [], pointsToUse: 0 }, 'items'],
    ['51 lines', { items: Array.from({ length: 51 }, (_, i) => item(`SKU-${i}`)), pointsToUse: 0 }, 'items'],
    ['a quantity of 0', { items: [item('TEA', 0)], pointsToUse: 0 }, 'quantity'],
    ['a quantity of 100', { items: [item('TEA', 100)], pointsToUse: 0 }, 'quantity'],
    ['a fractional quantity', { items: [item('TEA', 1.5)], pointsToUse: 0 }, 'quantity'],
    ['a quantity as text', { items: [{ sku: 'TEA', quantity: '1' }], pointsToUse: 0 }, 'quantity'],
    ['a lower-case sku', { items: [item('tea')], pointsToUse: 0 }, 'sku'],
    ['negative points', { items: [item('TEA')], pointsToUse: -1 }, 'pointsToUse'],
    ['fractional points', { items: [item('TEA')], pointsToUse: 1.5 }, 'pointsToUse'],
    ['points beyond 10^12', { items: [item('TEA')], pointsToUse: MAX_POINTS_TO_USE + 1 }, 'pointsToUse'],
    ['points as text', { items: [item('TEA')], pointsToUse: '10' }, 'pointsToUse'],
  ])('refuses %s with INVALID_VALUE on the field', (_, request, field) => {
    expect(() => checkedOrderRequest(request)).toThrow(expect.objectContaining({ code: 'INVALID_VALUE', details: { field } }));
  });

  it('refuses one sku on two lines with DUPLICATE_SKU, naming each repeated sku once (not merged), items the field at fault', () => {
    expect(() => checkedOrderRequest({ items: [item('TEA'), item('MUG'), item('TEA'), item('TEA'), item('MUG')], pointsToUse: 0 })).toThrow(
      expect.objectContaining({ code: 'DUPLICATE_SKU', details: { skus: ['TEA', 'MUG'], field: 'items' } }),
    );
  });
});
