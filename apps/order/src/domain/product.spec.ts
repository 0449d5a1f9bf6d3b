import { describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { Product } from './product.js';
import { MOTHER_EPOCH, ProductMother } from './testing/order.mother.js';

const later = new Date('2026-01-02T00:00:00.000Z');

describe('Product', () => {
  it('is created active by default, recording ProductCreated; its name trimmed', () => {
    const productId = newId();
    const product = Product.create({ productId, sku: 'MUG-CERAMIC', name: '  Ceramic mug ', price: 3_900, at: MOTHER_EPOCH });
    const snapshot = { productId, sku: 'MUG-CERAMIC', name: 'Ceramic mug', price: 3_900, active: true, createdAt: MOTHER_EPOCH, updatedAt: MOTHER_EPOCH };
    expect(product.toSnapshot()).toEqual(snapshot);
    expect(product.pullDomainEvents()).toEqual([{ type: 'ProductCreated', aggregateId: productId, occurredAt: MOTHER_EPOCH, product: snapshot }]);
    expect(Product.create({ productId, sku: 'X', name: 'X', price: 1, active: false, at: MOTHER_EPOCH }).active).toBe(false);
  });

  it.each([
    ['sku', { sku: 'mug' }],
    ['name', { name: '' }],
    ['name', { name: '   ' }],
    ['name', { name: 'x'.repeat(201) }],
    ['name', { name: 'Mug\u200b' }],
    ['price', { price: 0 }],
    ['price', { price: 100_000_001 }],
    ['price', { price: 9.99 }],
    ['productId', { productId: 'p-1' }],
  ])('refuses a bad %s (%j) with INVALID_VALUE', (field, bad) => {
    expect(() => Product.create({ productId: newId(), sku: 'MUG', name: 'Mug', price: 100, at: MOTHER_EPOCH, ...bad })).toThrow(
      expect.objectContaining({ code: 'INVALID_VALUE', details: { field } }),
    );
  });

  it('counts the name’s characters as the contract does (code points): 200 of them outside the BMP are taken, 201 refused', () => {
    const tea = '🍵'; // two UTF-16 units, one character
    expect(Product.create({ productId: newId(), sku: 'TEA', name: tea.repeat(200), price: 100, at: MOTHER_EPOCH }).name).toBe(tea.repeat(200));
    expect(() => Product.create({ productId: newId(), sku: 'TEA', name: tea.repeat(201), price: 100, at: MOTHER_EPOCH })).toThrow(
      expect.objectContaining({ code: 'INVALID_VALUE', details: { field: 'name' } }),
    );
    const product = ProductMother.stored();
    product.update({ name: `${'x'.repeat(199)}${tea}` }, later);
    expect([...product.name]).toHaveLength(200);
  });

  it('updates only what is given, recording ProductUpdated; its sku and creation stay', () => {
    const product = ProductMother.stored();
    product.update({ price: 4_200, active: false }, later);
    expect(product.toSnapshot()).toMatchObject({
      sku: 'MUG-CERAMIC',
      name: 'Ceramic mug',
      price: 4_200,
      active: false,
      createdAt: MOTHER_EPOCH,
      updatedAt: later,
    });
    product.update({ name: 'Big mug' }, later);
    expect(product.pullDomainEvents().map((e) => [e.type, e.product.name, e.product.price])).toEqual([
      ['ProductUpdated', 'Ceramic mug', 4_200],
      ['ProductUpdated', 'Big mug', 4_200],
    ]);
  });

  it('refuses an empty update and bad values, changing nothing', () => {
    const product = ProductMother.stored();
    expect(() => product.update({}, later)).toThrow(expect.objectContaining({ code: 'INVALID_VALUE' }));
    expect(() => product.update({ name: 'ok', price: -1 }, later)).toThrow(expect.objectContaining({ code: 'INVALID_VALUE', details: { field: 'price' } }));
    expect(product.toSnapshot()).toEqual(ProductMother.stored({ productId: product.productId }).toSnapshot());
    expect(product.pullDomainEvents()).toEqual([]);
  });
});
