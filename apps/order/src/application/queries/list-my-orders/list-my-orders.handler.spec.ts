import { codeOf } from '@shop/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { assertOrderResponse } from '../../testing/contract-shapes.js';
import { orderApplicationFixture, type OrderApplicationFixture } from '../../testing/order-application.fixture.js';
import { encodeOrderCursor } from '../page-cursors.js';

describe('ListMyOrdersHandler', () => {
  let f: OrderApplicationFixture;
  const userId = newId();
  beforeEach(() => {
    f = orderApplicationFixture();
  });
  const list = (cursor: string | null = null, limit?: number) => f.handlers.listMyOrders.execute({ userId, cursor, ...(limit === undefined ? {} : { limit }) });

  it('lists the customer’s orders newest first in the contract’s shape, nobody else’s', async () => {
    const placed: string[] = [];
    for (let i = 0; i < 3; i++) {
      placed.push(await f.placeOrder(userId));
      f.clock.advance(1_000);
    }
    await f.placeOrder(newId());
    const { orders, nextCursor } = await list();
    expect(orders.map((o) => o.orderId)).toEqual([...placed].reverse());
    expect(nextCursor).toBeNull();
    for (const order of orders) expect(() => assertOrderResponse(order)).not.toThrow();
  });

  it('pages with the cursor, each order once, stable while new orders arrive; orders placed at one instant ordered by id', async () => {
    for (let i = 0; i < 5; i++) await f.placeOrder(userId); // all at one instant
    const all = (await list()).orders.map((o) => o.orderId);
    expect(all).toEqual([...all].sort().reverse());
    const first = await list(null, 2);
    expect(first.orders.map((o) => o.orderId)).toEqual(all.slice(0, 2));
    f.clock.advance(1_000);
    await f.placeOrder(userId); // newer than every page: on none of the later ones
    const second = await list(first.nextCursor, 2);
    expect(second.orders.map((o) => o.orderId)).toEqual(all.slice(2, 4));
    const third = await list(second.nextCursor, 2);
    expect(third).toEqual({ orders: [expect.objectContaining({ orderId: all[4] })], nextCursor: null });
  });

  it('lists 20 by default and at most 100', async () => {
    for (let i = 0; i < 25; i++) await f.placeOrder(userId);
    expect((await list()).orders).toHaveLength(20);
    expect((await list(null, 100)).orders).toHaveLength(25);
    expect(await codeOf(list(null, 101))).toBe('INVALID_VALUE');
    expect(await codeOf(list(null, 0))).toBe('INVALID_VALUE');
  });

  it.each([
    ['characters outside base64url', 'MTIz='],
    ['an empty cursor', ''],
    ['no order id', Buffer.from('1738000000000').toString('base64url')],
    ['an order id that is no UUID', Buffer.from('1738000000000.not-a-uuid-not-a-uuid-not-a-uuid-12345').toString('base64url')],
    ['a padded time', Buffer.from(`01738000000000.${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`).toString('base64url')],
    ['an upper-case id', Buffer.from(`1738000000000.${'A'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`).toString('base64url')],
  ])('refuses %s with INVALID_CURSOR', async (_, cursor) => {
    await expect(list(cursor)).rejects.toMatchObject({ code: 'INVALID_CURSOR', details: { field: 'cursor' } });
  });

  it('takes a cursor it hands out, past the oldest order: an empty page', async () => {
    const cursor = encodeOrderCursor({ placedAt: new Date(0), orderId: newId() });
    expect(await list(cursor)).toEqual({ orders: [], nextCursor: null });
  });
});
