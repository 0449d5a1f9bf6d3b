import { codeOf } from '@shop/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { assertProductResponse } from '../../testing/contract-shapes.js';
import { FIXTURE_NOW, orderApplicationFixture, type OrderApplicationFixture } from '../../testing/order-application.fixture.js';

describe('UpdateProductHandler', () => {
  let f: OrderApplicationFixture;
  beforeEach(() => {
    f = orderApplicationFixture();
  });

  it('changes only what is given, its update time moving; the sku and creation stay', async () => {
    const created = await f.handlers.createProduct.execute({ sku: 'MUG', name: 'Mug', price: 100 });
    f.clock.advance(60_000);
    const updated = await f.handlers.updateProduct.execute({ sku: 'MUG', price: 250, active: false });
    expect(updated).toEqual({ ...created, price: 250, active: false, updatedAt: new Date(FIXTURE_NOW.getTime() + 60_000).toISOString() });
    expect(() => assertProductResponse(updated)).not.toThrow();
    expect(await f.handlers.updateProduct.execute({ sku: 'MUG', name: 'Big mug' })).toMatchObject({ name: 'Big mug', price: 250, active: false });
  });

  it('keeps the name and price an order was placed with when the product changes later', async () => {
    const orderId = await f.placeOrder(crypto.randomUUID());
    await f.handlers.updateProduct.execute({ sku: 'TEA', name: 'New tea', price: 1 });
    expect(f.orders.rowOf(orderId)!.lines[0]).toEqual({ sku: 'TEA', name: 'TEA', quantity: 2, unitPrice: 8_800, lineTotal: 17_600 });
  });

  it('answers PRODUCT_NOT_FOUND for an unknown sku, and INVALID_VALUE for a bad change or an empty one, changing nothing', async () => {
    await f.handlers.createProduct.execute({ sku: 'MUG', name: 'Mug', price: 100 });
    const before = f.products.snapshots();
    expect(await codeOf(f.handlers.updateProduct.execute({ sku: 'CUP', price: 1 }))).toBe('PRODUCT_NOT_FOUND');
    expect(await codeOf(f.handlers.updateProduct.execute({ sku: 'MUG', price: 0 }))).toBe('INVALID_VALUE');
    expect(await codeOf(f.handlers.updateProduct.execute({ sku: 'MUG' }))).toBe('INVALID_VALUE');
    expect(await codeOf(f.handlers.updateProduct.execute({ sku: 'mug', price: 1 }))).toBe('INVALID_VALUE');
    expect(f.products.snapshots()).toEqual(before);
  });
});
