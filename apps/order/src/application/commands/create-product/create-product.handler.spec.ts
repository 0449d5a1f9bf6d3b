import { codeOf } from '@shop/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { assertProductResponse } from '../../testing/contract-shapes.js';
import { FIXTURE_NOW, orderApplicationFixture, type OrderApplicationFixture } from '../../testing/order-application.fixture.js';

describe('CreateProductHandler', () => {
  let f: OrderApplicationFixture;
  beforeEach(() => {
    f = orderApplicationFixture();
  });

  it('adds an active product (by default) in the contract’s shape, announcing nothing to other contexts', async () => {
    const product = await f.handlers.createProduct.execute({ sku: 'MUG-CERAMIC', name: 'Ceramic mug', price: 3_900 });
    expect(product).toEqual({
      productId: expect.any(String),
      sku: 'MUG-CERAMIC',
      name: 'Ceramic mug',
      price: 3_900,
      active: true,
      createdAt: FIXTURE_NOW.toISOString(),
      updatedAt: FIXTURE_NOW.toISOString(),
    });
    expect(() => assertProductResponse(product)).not.toThrow();
    expect(f.products.snapshots().map((p) => [p.productId, p.sku, p.active])).toEqual([[product.productId, 'MUG-CERAMIC', true]]);
    expect(f.outbox.events).toEqual([]);
    expect((await f.handlers.createProduct.execute({ sku: 'OLD', name: 'Old', price: 1, active: false })).active).toBe(false);
  });

  it('refuses a taken sku with SKU_TAKEN, the first product untouched', async () => {
    const first = await f.handlers.createProduct.execute({ sku: 'MUG', name: 'Mug', price: 100 });
    expect(await codeOf(f.handlers.createProduct.execute({ sku: 'MUG', name: 'Other mug', price: 200 }))).toBe('SKU_TAKEN');
    expect(f.products.snapshots()).toEqual([expect.objectContaining({ productId: first.productId, name: 'Mug', price: 100 })]);
  });

  it('lets one of two admins racing for one sku have it; the other gets SKU_TAKEN', async () => {
    const codes = await Promise.all([
      codeOf(f.handlers.createProduct.execute({ sku: 'MUG', name: 'A', price: 1 })),
      codeOf(f.handlers.createProduct.execute({ sku: 'MUG', name: 'B', price: 2 })),
    ]);
    expect(codes.sort()).toEqual(['SKU_TAKEN', 'no error']);
    expect(f.products.snapshots()).toHaveLength(1);
  });

  it.each([
    ['a lower-case sku', { sku: 'mug' }],
    ['an empty name', { name: '' }],
    ['a price of 0', { price: 0 }],
    ['a fractional price', { price: 1.5 }],
    ['a price over a million yuan', { price: 100_000_001 }],
  ])('refuses %s with INVALID_VALUE, storing nothing', async (_, bad) => {
    expect(await codeOf(f.handlers.createProduct.execute({ sku: 'MUG', name: 'Mug', price: 100, ...bad }))).toBe('INVALID_VALUE');
    expect(f.products.snapshots()).toEqual([]);
    expect(f.unitOfWork.runs).toBe(0);
  });
});
