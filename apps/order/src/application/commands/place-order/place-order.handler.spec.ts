import { codeOf } from '@shop/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventSchemaRegistry, OrderAwaitingPaymentV1, OrderPlacedV1 } from '@shop/contracts';
import { newId } from '@shop/shared-kernel';
import { assertPlaceOrderResponse } from '../../testing/contract-shapes.js';
import { FIXTURE_NOW, orderApplicationFixture, type OrderApplicationFixture } from '../../testing/order-application.fixture.js';

const schemas = new EventSchemaRegistry([OrderPlacedV1, OrderAwaitingPaymentV1]);
const at = FIXTURE_NOW.toISOString();

describe('PlaceOrderHandler', () => {
  let f: OrderApplicationFixture;
  const userId = newId();
  const couponId = newId();
  const items = [
    { sku: 'TEA', quantity: 2 },
    { sku: 'MUG', quantity: 3 },
  ];
  beforeEach(() => {
    f = orderApplicationFixture();
    f.givenProducts({ sku: 'TEA', name: 'Longjing tea', price: 8_800 }, { sku: 'MUG', name: 'Mug', price: 1_999 }, { sku: 'OLD', price: 100, active: false });
  });
  const place = (overrides: Partial<Parameters<OrderApplicationFixture['handlers']['placeOrder']['execute']>[0]> = {}) =>
    f.handlers.placeOrder.execute({ userId, items, couponId, pointsToUse: 300, ...overrides });

  it('prices every line from the catalog and answers PENDING; order.placed.v1 asks the participants, valid against its schema', async () => {
    const answer = await place();
    expect(answer).toEqual({ orderId: expect.any(String), status: 'PENDING' });
    expect(() => assertPlaceOrderResponse(answer)).not.toThrow();
    expect(f.orders.rowOf(answer.orderId)).toMatchObject({
      userId,
      status: 'PENDING',
      lines: [
        { sku: 'TEA', name: 'Longjing tea', quantity: 2, unitPrice: 8_800, lineTotal: 17_600 },
        { sku: 'MUG', name: 'Mug', quantity: 3, unitPrice: 1_999, lineTotal: 5_997 },
      ],
      subtotal: 23_597,
      couponId,
      pointsToUse: 300,
      couponStep: 'WAITING',
      pointsStep: 'WAITING',
      reservationDueAt: new Date(FIXTURE_NOW.getTime() + f.rules.reservationTimeoutMs),
    });
    expect(f.outbox.events).toEqual([
      {
        type: 'order.placed.v1',
        aggregateId: answer.orderId,
        payload: {
          orderId: answer.orderId,
          userId,
          items: [
            { sku: 'TEA', quantity: 2, unitPrice: 8_800, lineTotal: 17_600 },
            { sku: 'MUG', quantity: 3, unitPrice: 1_999, lineTotal: 5_997 },
          ],
          subtotal: 23_597,
          couponId,
          pointsToUse: 300,
          placedAt: at,
        },
      },
    ]);
    expect(() => schemas.validatePayload(OrderPlacedV1.type, f.outbox.events[0]!.payload)).not.toThrow();
  });

  it('answers AWAITING_PAYMENT at once without coupon and points: placed, then awaiting-payment with the subtotal payable', async () => {
    const answer = await place({ couponId: null, pointsToUse: 0 });
    expect(answer.status).toBe('AWAITING_PAYMENT');
    expect(f.outbox.events.map((e) => e.type)).toEqual(['order.placed.v1', 'order.awaiting-payment.v1']);
    expect(f.outbox.events[1]!.payload).toEqual({
      orderId: answer.orderId,
      userId,
      subtotal: 23_597,
      couponDiscount: 0,
      pointsUsed: 0,
      payable: 23_597,
      paymentDueAt: new Date(FIXTURE_NOW.getTime() + f.rules.paymentTimeoutMs).toISOString(),
      awaitingSince: at,
    });
    expect(() => schemas.validatePayload(OrderAwaitingPaymentV1.type, f.outbox.events[1]!.payload)).not.toThrow();
    expect(f.orders.rowOf(answer.orderId)!.history.map((h) => h.status)).toEqual(['PENDING', 'AWAITING_PAYMENT']);
  });

  it('gives every order its own id', async () => {
    const [a, b] = [await place(), await place()];
    expect(a.orderId).not.toBe(b.orderId);
    expect(f.orders.snapshots()).toHaveLength(2);
  });

  it.each<[string, Parameters<typeof place>[0], string]>([
    ['no items', { items: [] }, 'INVALID_VALUE'],
    ['51 lines', { items: Array.from({ length: 51 }, (_, i) => ({ sku: `S${i}`, quantity: 1 })) }, 'INVALID_VALUE'],
    ['a quantity of 0', { items: [{ sku: 'TEA', quantity: 0 }] }, 'INVALID_VALUE'],
    ['a negative quantity', { items: [{ sku: 'TEA', quantity: -1 }] }, 'INVALID_VALUE'],
    ['a quantity of 100', { items: [{ sku: 'TEA', quantity: 100 }] }, 'INVALID_VALUE'],
    ['a fractional quantity', { items: [{ sku: 'TEA', quantity: 1.5 }] }, 'INVALID_VALUE'],
    ['a huge quantity', { items: [{ sku: 'TEA', quantity: 1e30 }] }, 'INVALID_VALUE'],
    ['a malformed sku', { items: [{ sku: 'tea', quantity: 1 }] }, 'INVALID_VALUE'],
    ['negative points', { pointsToUse: -1 }, 'INVALID_VALUE'],
    ['fractional points', { pointsToUse: 1.5 }, 'INVALID_VALUE'],
    ['a coupon id that is no UUID', { couponId: 'c-1' }, 'INVALID_VALUE'],
    ['one sku on two lines (refused, not merged)', { items: [...items, { sku: 'TEA', quantity: 1 }] }, 'DUPLICATE_SKU'],
    ['an unknown sku', { items: [{ sku: 'NOPE', quantity: 1 }] }, 'UNKNOWN_SKU'],
    ['an inactive product', { items: [{ sku: 'OLD', quantity: 1 }] }, 'UNKNOWN_SKU'],
    ['more points than the subtotal', { pointsToUse: 23_598 }, 'POINTS_EXCEED_SUBTOTAL'],
  ])('refuses %s (%s), storing and announcing nothing', async (_, overrides, code) => {
    expect(await codeOf(place(overrides))).toBe(code);
    expect(f.orders.snapshots()).toEqual([]);
    expect(f.outbox.events).toEqual([]);
  });

  it('names every sku it does not sell, with items as the field at fault', async () => {
    await expect(
      place({
        items: [
          { sku: 'NOPE', quantity: 1 },
          { sku: 'TEA', quantity: 1 },
          { sku: 'OLD', quantity: 1 },
        ],
      }),
    ).rejects.toEqual(
      expect.objectContaining({
        code: 'UNKNOWN_SKU',
        details: { skus: ['NOPE', 'OLD'], field: 'items' },
      }),
    );
  });

  it('takes points up to exactly the subtotal', async () => {
    expect((await place({ pointsToUse: 23_597 })).status).toBe('PENDING');
  });

  it('stores nothing when its events cannot be written', async () => {
    f.outbox.failNext = new Error('outbox unavailable');
    await expect(place()).rejects.toThrow('outbox unavailable');
    expect(f.orders.snapshots()).toEqual([]);
  });
});
