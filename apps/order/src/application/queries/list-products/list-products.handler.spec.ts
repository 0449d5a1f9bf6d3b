import { codeOf } from '@shop/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { assertProductResponse } from '../../testing/contract-shapes.js';
import { orderApplicationFixture, type OrderApplicationFixture } from '../../testing/order-application.fixture.js';
import { encodeProductCursor } from '../page-cursors.js';

describe('ListProductsHandler', () => {
  let f: OrderApplicationFixture;
  beforeEach(() => {
    f = orderApplicationFixture();
    f.givenProducts({ sku: 'D', price: 4 }, { sku: 'B', price: 2, active: false }, { sku: 'A', price: 1 }, { sku: 'C', price: 3 }, { sku: 'E', price: 5 });
  });

  it('lists active products by sku for customers, every product for admins, in the contract’s shape', async () => {
    const customers = await f.handlers.listProducts.execute({ includeInactive: false, cursor: null });
    expect(customers).toEqual({ products: expect.any(Array), nextCursor: null });
    expect(customers.products.map((p) => p.sku)).toEqual(['A', 'C', 'D', 'E']);
    for (const product of customers.products) expect(() => assertProductResponse(product)).not.toThrow();
    const admins = await f.handlers.listProducts.execute({ includeInactive: true, cursor: null });
    expect(admins.products.map((p) => [p.sku, p.active])).toEqual([
      ['A', true],
      ['B', false],
      ['C', true],
      ['D', true],
      ['E', true],
    ]);
  });

  it('pages with the cursor, each product once, no next page after the last', async () => {
    const first = await f.handlers.listProducts.execute({ includeInactive: true, cursor: null, limit: 2 });
    expect(first.products.map((p) => p.sku)).toEqual(['A', 'B']);
    expect(first.nextCursor).toBe(encodeProductCursor('B'));
    const second = await f.handlers.listProducts.execute({ includeInactive: true, cursor: first.nextCursor, limit: 2 });
    expect(second.products.map((p) => p.sku)).toEqual(['C', 'D']);
    const third = await f.handlers.listProducts.execute({ includeInactive: true, cursor: second.nextCursor, limit: 2 });
    expect(third).toEqual({ products: [expect.objectContaining({ sku: 'E' })], nextCursor: null });
    // Exactly full: no next page.
    expect((await f.handlers.listProducts.execute({ includeInactive: false, cursor: null, limit: 4 })).nextCursor).toBeNull();
  });

  it('lists 50 by default and at most 100', async () => {
    f.givenProducts(...Array.from({ length: 120 }, (_, i) => ({ sku: `P${String(i).padStart(3, '0')}`, price: 1 })));
    expect((await f.handlers.listProducts.execute({ includeInactive: false, cursor: null })).products).toHaveLength(50);
    expect((await f.handlers.listProducts.execute({ includeInactive: false, cursor: null, limit: 100 })).products).toHaveLength(100);
  });

  it.each([0, 101, 1.5, -1])('refuses a limit of %s with INVALID_VALUE', async (limit) => {
    expect(await codeOf(f.handlers.listProducts.execute({ includeInactive: false, cursor: null, limit }))).toBe('INVALID_VALUE');
  });

  it.each([
    ['characters outside base64url', 'QQ=='],
    ['an empty cursor', ''],
    ['a lower-case sku', encodeProductCursor('a')],
    ['another spelling of a valid cursor', 'QR'],
    ['far too long', 'A'.repeat(201)],
  ])('refuses %s with INVALID_CURSOR', async (_, cursor) => {
    await expect(f.handlers.listProducts.execute({ includeInactive: false, cursor })).rejects.toMatchObject({
      code: 'INVALID_CURSOR',
      details: { field: 'cursor' },
    });
  });
});
