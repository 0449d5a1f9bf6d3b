import { StaleAggregateError } from '@shop/persistence';
import { afterEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { Cleanups } from '@shop/testing';
import { SkuTakenError } from '../src/domain/order.errors.js';
import { OrderLine } from '../src/domain/order-line.js';
import { Order, type OrderSnapshot, type PlaceOrder } from '../src/domain/order.js';
import { Product } from '../src/domain/product.js';
import { orderViewOf } from '../src/application/order.presenters.js';
import { ListMyOrdersHandler } from '../src/application/queries/list-my-orders/list-my-orders.handler.js';
import { ListProductsHandler } from '../src/application/queries/list-products/list-products.handler.js';
import { KINDS, openOrderDatabase, orderAdapters, outboxRows, type OrderAdapters, type OrderDatabase } from './support/order-test-database.js';

const NOW = new Date('2026-03-01T10:00:00.000Z');
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);
const RESERVATION_TIMEOUT_MS = 30_000;
const PAYMENT_TIMEOUT_MS = 900_000;

const lines = () => [
  OrderLine.of({ sku: 'TEA-LONGJING-100G', name: 'Longjing tea, 100 g', quantity: 2, unitPrice: 8_800 }),
  OrderLine.of({ sku: 'MUG-CERAMIC', name: 'Ceramic mug', quantity: 1, unitPrice: 3_900 }),
];

/** A new order of 21 500 fen placed at NOW: with a coupon and 500 points unless told otherwise. */
const placed = (overrides: Partial<PlaceOrder> = {}) =>
  Order.place({
    orderId: newId(),
    userId: newId(),
    lines: lines(),
    couponId: newId(),
    pointsToUse: 500,
    placedAt: NOW,
    reservationTimeoutMs: RESERVATION_TIMEOUT_MS,
    paymentTimeoutMs: PAYMENT_TIMEOUT_MS,
    ...overrides,
  });

describe.each(KINDS)('the order repositories on %s', (kind) => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  let database: OrderDatabase;
  let adapters: OrderAdapters;

  async function open(): Promise<OrderAdapters> {
    database = await openOrderDatabase(kind, cleanups);
    adapters = orderAdapters(database.transactions);
    return adapters;
  }

  const p = (n: number) => (kind === 'postgres' ? `$${n}` : '?');

  async function insert(order: Order): Promise<Order> {
    await adapters.transactions.run(() => adapters.orders.save(order));
    return order;
  }

  /** Loads the order in a transaction of its own, runs `work` on it and saves it; answers what it saved. */
  async function change(orderId: string, work: (order: Order) => unknown): Promise<OrderSnapshot> {
    return adapters.transactions.run(async () => {
      const order = (await adapters.orders.findForUpdate(orderId))!;
      work(order);
      await adapters.orders.save(order);
      return order.toSnapshot();
    });
  }

  const load = (orderId: string) => adapters.transactions.run(async () => (await adapters.orders.findForUpdate(orderId))?.toSnapshot() ?? null);

  async function versionOf(orderId: string): Promise<number> {
    const [row] = await database.query<{ version: string | number }>(`SELECT version FROM orders WHERE order_id = ${p(1)}`, [orderId]);
    return Number(row!.version);
  }

  describe('orders', () => {
    it('stores a placed order whole and loads back every field of its snapshot', async () => {
      await open();
      const order = await insert(placed());
      const snapshot = await load(order.id);
      expect(snapshot).toEqual(order.toSnapshot());
      expect(snapshot).toMatchObject({
        status: 'PENDING',
        subtotal: 21_500,
        couponStep: 'WAITING',
        pointsStep: 'WAITING',
        payable: null,
        reservationDueAt: at(RESERVATION_TIMEOUT_MS),
        paymentDueAt: null,
        history: [{ status: 'PENDING', at: NOW, reason: null }],
      });
      expect(snapshot!.lines.map((line) => [line.sku, line.quantity, line.unitPrice, line.lineTotal])).toEqual([
        ['TEA-LONGJING-100G', 2, 8_800, 17_600],
        ['MUG-CERAMIC', 1, 3_900, 3_900],
      ]);
      expect((await outboxRows(adapters.transactions)).map((row) => [row.type, row.aggregateId])).toEqual([['order.placed.v1', order.id]]);
    });

    it('round-trips the order through reservations, payments and refunds, appending history and bumping the version per save', async () => {
      await open();
      const order = await insert(placed());
      const couponId = order.couponId!;
      const captured = newId();
      const second = newId();
      const steps: Array<(o: Order) => unknown> = [
        (o) => o.recordCouponReserved({ couponId, discount: 1_000, at: at(1_000), paymentTimeoutMs: PAYMENT_TIMEOUT_MS }),
        (o) => o.recordPointsReserved({ points: 500, at: at(2_000), paymentTimeoutMs: PAYMENT_TIMEOUT_MS }),
        (o) => o.recordPayment({ paymentId: captured, amount: 20_000, at: at(3_000) }),
        // A second payment: recorded, its refund asked for, the status unchanged.
        (o) => o.recordPayment({ paymentId: second, amount: 20_000, at: at(4_000) }),
        (o) => o.accept(at(5_000)),
        (o) => o.requestRefund(at(6_000)),
        (o) => o.recordRefund({ paymentId: second, amount: 20_000, at: at(7_000) }),
        (o) => o.recordRefund({ paymentId: captured, amount: 20_000, at: at(8_000) }),
      ];
      for (const [i, step] of steps.entries()) {
        const saved = await change(order.id, step);
        expect(await load(order.id)).toEqual(saved);
        expect(await versionOf(order.id)).toBe(i + 1);
      }
      const final = (await load(order.id))!;
      expect(final).toMatchObject({ status: 'REFUNDED', couponDiscount: 1_000, payable: 20_000, paymentDueAt: at(2_000 + PAYMENT_TIMEOUT_MS) });
      expect(final.history.map((entry) => [entry.status, entry.reason])).toEqual([
        ['PENDING', null],
        ['AWAITING_PAYMENT', null],
        ['PAID', null],
        ['ACCEPTED', null],
        ['REFUNDING', 'CUSTOMER_REQUEST'],
        ['REFUNDED', null],
      ]);
      expect(final.payments).toEqual([
        {
          paymentId: captured,
          amount: 20_000,
          captured: true,
          refundStatus: 'REFUNDED',
          refundReason: 'CUSTOMER_REQUEST',
          recordedAt: at(3_000),
          updatedAt: at(8_000),
        },
        {
          paymentId: second,
          amount: 20_000,
          captured: false,
          refundStatus: 'REFUNDED',
          refundReason: 'DUPLICATE_PAYMENT',
          recordedAt: at(4_000),
          updatedAt: at(7_000),
        },
      ]);
      expect(await database.count('order_history', `order_id = ${p(1)}`, [order.id])).toBe(6);
      expect((await outboxRows(adapters.transactions)).map((row) => row.type)).toEqual([
        'order.placed.v1',
        'order.awaiting-payment.v1',
        'order.paid.v1',
        'order.refund-requested.v1',
        'order.refund-requested.v1',
        'order.refunded.v1',
      ]);
    });

    it('stores an order without coupon or points as awaiting payment at once (its nulls and NOT_REQUIRED steps too)', async () => {
      await open();
      const order = await insert(placed({ couponId: null, pointsToUse: 0 }));
      const snapshot = (await load(order.id))!;
      expect(snapshot).toEqual(order.toSnapshot());
      expect(snapshot).toMatchObject({
        status: 'AWAITING_PAYMENT',
        couponId: null,
        couponStep: 'NOT_REQUIRED',
        pointsStep: 'NOT_REQUIRED',
        reservationDueAt: null,
        payable: 21_500,
        paymentDueAt: at(PAYMENT_TIMEOUT_MS),
      });
      expect(snapshot.history.map((entry) => entry.status)).toEqual(['PENDING', 'AWAITING_PAYMENT']);
    });

    it('stores a cancellation with its reason and rejected step, and a late payment on it', async () => {
      await open();
      const order = await insert(placed());
      await change(order.id, (o) => o.recordCouponRejected({ couponId: o.couponId!, reason: 'BELOW_MIN_SPEND', at: at(1_000) }));
      const late = newId();
      const saved = await change(order.id, (o) => o.recordPayment({ paymentId: late, amount: 21_000, at: at(2_000) }));
      const snapshot = (await load(order.id))!;
      expect(snapshot).toEqual(saved);
      expect(snapshot).toMatchObject({ status: 'CANCELLED', cancelReason: 'COUPON_BELOW_MIN_SPEND', couponStep: 'REJECTED', pointsStep: 'WAITING' });
      expect(snapshot.history.at(-1)).toEqual({ status: 'CANCELLED', at: at(1_000), reason: 'COUPON_BELOW_MIN_SPEND' });
      expect(snapshot.payments).toEqual([
        {
          paymentId: late,
          amount: 21_000,
          captured: false,
          refundStatus: 'REQUESTED',
          refundReason: 'LATE_PAYMENT',
          recordedAt: at(2_000),
          updatedAt: at(2_000),
        },
      ]);
    });

    it('finds no order for an unknown id, nor for an id that is not a uuid; takes an upper-case id', async () => {
      await open();
      const order = await insert(placed());
      expect(await load(newId())).toBeNull();
      expect(await load('not-a-uuid')).toBeNull();
      expect((await load(order.id.toUpperCase()))?.orderId).toBe(order.id);
    });

    it('refuses to save an order changed since it was loaded (stale version): nothing of that save is kept', async () => {
      await open();
      const order = await insert(placed());
      const early = (await adapters.transactions.run(() => adapters.orders.findForUpdate(order.id)))!;
      await change(order.id, (o) => o.cancelByCustomer(at(1_000)));

      const error = await adapters.transactions
        .run(async () => {
          early.recordCouponReserved({ couponId: early.couponId!, discount: 100, at: at(2_000), paymentTimeoutMs: PAYMENT_TIMEOUT_MS });
          early.recordPointsReserved({ points: 500, at: at(2_000), paymentTimeoutMs: PAYMENT_TIMEOUT_MS });
          await adapters.orders.save(early);
        })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StaleAggregateError);
      expect(error).toMatchObject({ table: 'orders', id: order.id, expectedVersion: 0 });
      const stored = (await load(order.id))!;
      expect(stored).toMatchObject({ status: 'CANCELLED', cancelReason: 'CUSTOMER_CANCELLED', couponDiscount: 0 });
      expect(stored.history.map((entry) => entry.status)).toEqual(['PENDING', 'CANCELLED']);
      expect((await outboxRows(adapters.transactions)).map((row) => row.type)).toEqual(['order.placed.v1', 'order.cancelled.v1']);
    });

    it('refuses a second new order of one id (no upsert): the first one stays', async () => {
      await open();
      const order = await insert(placed());
      await expect(insert(placed({ orderId: order.id, pointsToUse: 0 }))).rejects.toThrow(/unique|duplicate|primary/i);
      expect((await load(order.id))?.pointsToUse).toBe(500);
      expect(await database.count('order_line')).toBe(2);
    });

    it('says which order a payment is recorded for (null for an unknown id or one that is not a uuid)', async () => {
      await open();
      const order = await insert(placed({ couponId: null, pointsToUse: 0 }));
      const paymentId = newId();
      await change(order.id, (o) => o.recordPayment({ paymentId, amount: 21_500, at: at(1_000) }));
      const other = await insert(placed({ couponId: null, pointsToUse: 0 }));
      const refused = newId();
      await change(other.id, (o) => o.cancelByCustomer(at(1_000)));
      await change(other.id, (o) => o.recordPayment({ paymentId: refused, amount: 21_500, at: at(2_000) }));

      const orderOf = (id: string) => adapters.transactions.run(() => adapters.orders.orderIdOfPayment(id));
      expect(await orderOf(paymentId)).toBe(order.id);
      expect(await orderOf(refused)).toBe(other.id);
      expect(await orderOf(newId())).toBeNull();
      expect(await orderOf('not-a-uuid')).toBeNull();
    });

    it('refuses on the primary key a payment already recorded for another order: nothing of that save is kept, the other order untouched', async () => {
      await open();
      const first = await insert(placed({ couponId: null, pointsToUse: 0 }));
      const paymentId = newId();
      await change(first.id, (o) => o.recordPayment({ paymentId, amount: 21_500, at: at(1_000) }));
      const second = await insert(placed({ couponId: null, pointsToUse: 0 }));

      await expect(change(second.id, (o) => o.recordPayment({ paymentId, amount: 21_500, at: at(2_000) }))).rejects.toThrow(/unique|duplicate|primary/i);
      expect(await load(second.id)).toMatchObject({ status: 'AWAITING_PAYMENT', payments: [] });
      expect(await versionOf(second.id)).toBe(0);
      const kept = (await load(first.id))!;
      expect(kept.status).toBe('PAID');
      expect(kept.payments).toEqual([expect.objectContaining({ paymentId, captured: true, recordedAt: at(1_000) })]);
      expect(await database.count('order_payment')).toBe(1);
      expect((await outboxRows(adapters.transactions)).filter((row) => row.type === 'order.paid.v1').map((row) => row.aggregateId)).toEqual([first.id]);
    });

    it('saves one order twice in one transaction: the second save appends only the new history', async () => {
      await open();
      const order = placed();
      await adapters.transactions.run(async () => {
        await adapters.orders.save(order);
        order.cancelByCustomer(at(1_000));
        await adapters.orders.save(order);
      });
      expect((await load(order.id))?.history.map((entry) => entry.status)).toEqual(['PENDING', 'CANCELLED']);
      expect(await versionOf(order.id)).toBe(1);
    });

    it('lists exactly the overdue orders (PENDING past the reservation deadline, AWAITING_PAYMENT past the payment deadline), oldest due first', async () => {
      await open();
      // Due 30 s and NOW + 15 min after placing; all reservations awaited unless none.
      const placedAt = (offsetMs: number, overrides: Partial<PlaceOrder> = {}) => insert(placed({ placedAt: at(offsetMs), ...overrides }));
      const pendingDue = await placedAt(-60_000); // due at -30 s
      const pendingDueLater = await placedAt(-40_000); // due at -10 s
      const pendingDueNow = await placedAt(-30_000); // due at 0: due
      await placedAt(-20_000); // due at +10 s: not yet
      const awaitingDue = await placedAt(-PAYMENT_TIMEOUT_MS - 45_000, { couponId: null, pointsToUse: 0 }); // due at -45 s
      await placedAt(-PAYMENT_TIMEOUT_MS + 5_000, { couponId: null, pointsToUse: 0 }); // due at +5 s: not yet
      const cancelled = await placedAt(-120_000);
      await change(cancelled.id, (o) => o.cancelByCustomer(at(-100_000)));
      const paid = await placedAt(-PAYMENT_TIMEOUT_MS - 90_000, { couponId: null, pointsToUse: 0 });
      await change(paid.id, (o) => o.recordPayment({ paymentId: newId(), amount: 21_500, at: at(-PAYMENT_TIMEOUT_MS) }));

      const overdue = await adapters.orders.overdue(NOW, 100);
      expect(overdue).toEqual([awaitingDue.id, pendingDue.id, pendingDueLater.id, pendingDueNow.id]);
      expect(await adapters.orders.overdue(NOW, 2)).toEqual([awaitingDue.id, pendingDue.id]);
      expect(await adapters.orders.overdue(at(-60_000), 100)).toEqual([]);
    });
  });

  describe('products', () => {
    const product = (sku = 'TEA-LONGJING-100G', price = 8_800) => Product.create({ productId: newId(), sku, name: 'Longjing tea, 100 g', price, at: NOW });

    it('stores a product and loads it back by sku and among several skus (unknown ones missing)', async () => {
      await open();
      const tea = product();
      const mug = product('MUG-CERAMIC', 3_900);
      await adapters.transactions.run(async () => {
        await adapters.products.save(tea);
        await adapters.products.save(mug);
      });
      expect((await adapters.transactions.run(() => adapters.products.findBySku('TEA-LONGJING-100G')))?.toSnapshot()).toEqual(tea.toSnapshot());
      expect(await adapters.transactions.run(() => adapters.products.findBySku('NOPE'))).toBeNull();
      const found = await adapters.transactions.run(() => adapters.products.findBySkus(['MUG-CERAMIC', 'NOPE', 'TEA-LONGJING-100G']));
      expect(found.map((each) => each.toSnapshot()).sort((a, b) => a.sku.localeCompare(b.sku))).toEqual([mug.toSnapshot(), tea.toSnapshot()]);
      expect(await adapters.products.findBySkus([])).toEqual([]);
    });

    it('updates a product at its version, and refuses a stale one', async () => {
      await open();
      const tea = product();
      await adapters.transactions.run(() => adapters.products.save(tea));
      const early = (await adapters.transactions.run(() => adapters.products.findBySku(tea.sku)))!;
      await adapters.transactions.run(async () => {
        const loaded = (await adapters.products.findBySku(tea.sku))!;
        loaded.update({ price: 9_900, active: false }, at(1_000));
        await adapters.products.save(loaded);
      });
      expect((await adapters.transactions.run(() => adapters.products.findBySku(tea.sku)))?.toSnapshot()).toEqual({
        ...tea.toSnapshot(),
        price: 9_900,
        active: false,
        updatedAt: at(1_000),
      });
      early.update({ name: 'Old tea' }, at(2_000));
      const error = await adapters.transactions.run(() => adapters.products.save(early)).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StaleAggregateError);
      expect((await adapters.transactions.run(() => adapters.products.findBySku(tea.sku)))?.name).toBe('Longjing tea, 100 g');
    });

    it('refuses a second product of a taken sku with SkuTakenError, keeping the first', async () => {
      await open();
      await adapters.transactions.run(() => adapters.products.save(product()));
      const error = await adapters.transactions.run(() => adapters.products.save(product('TEA-LONGJING-100G', 1))).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SkuTakenError);
      expect(error).toMatchObject({ code: 'SKU_TAKEN' });
      expect(await database.count('order_product')).toBe(1);
      expect((await adapters.transactions.run(() => adapters.products.findBySku('TEA-LONGJING-100G')))?.price).toBe(8_800);
    });
  });

  describe('the catalog seed', () => {
    it('is claimed once: true the first time, false ever after', async () => {
      await open();
      expect(await adapters.transactions.run(() => adapters.catalogSeed.claim('demo-catalog', NOW))).toBe(true);
      expect(await adapters.transactions.run(() => adapters.catalogSeed.claim('demo-catalog', at(1_000)))).toBe(false);
      expect(await adapters.transactions.run(() => adapters.catalogSeed.claim('another', at(1_000)))).toBe(true);
    });

    it('is not claimed by a transaction that rolled back', async () => {
      await open();
      await expect(
        adapters.transactions.run(async () => {
          await adapters.catalogSeed.claim('demo-catalog', NOW);
          throw new Error('the seeding failed');
        }),
      ).rejects.toThrow('the seeding failed');
      expect(await adapters.transactions.run(() => adapters.catalogSeed.claim('demo-catalog', NOW))).toBe(true);
    });
  });

  describe('queries', () => {
    it('answers an order as its view, to its owner or to an admin (no user), and to nobody else', async () => {
      await open();
      const order = await insert(placed());
      await change(order.id, (o) => o.recordCouponReserved({ couponId: o.couponId!, discount: 1_000, at: at(1_000), paymentTimeoutMs: PAYMENT_TIMEOUT_MS }));
      const view = await adapters.orderQueries.get(order.id, order.userId);
      expect(view).toEqual(orderViewOf((await load(order.id))!));
      expect(view).toMatchObject({ orderId: order.id, status: 'PENDING', couponDiscount: 1_000, pointsUsed: 0, payable: null, subtotal: 21_500 });
      expect(await adapters.orderQueries.get(order.id.toUpperCase(), null)).toEqual(view);
      expect(await adapters.orderQueries.get(order.id, newId())).toBeNull();
      expect(await adapters.orderQueries.get(newId(), null)).toBeNull();
      expect(await adapters.orderQueries.get('not-a-uuid', null)).toBeNull();
      expect(await adapters.orderQueries.get(order.id, 'not-a-uuid')).toBeNull();
    });

    it('pages a customer’s orders newest first (placedAt, then id, descending), only theirs, through the handler’s cursors', async () => {
      await open();
      const userId = newId();
      // Seven orders: two pairs placed at the same instant (the id decides between them), one of another customer.
      const offsets = [0, 1_000, 1_000, 2_000, 3_000, 3_000, 4_000];
      const mine: Order[] = [];
      for (const offset of offsets) mine.push(await insert(placed({ userId, placedAt: at(offset), couponId: null, pointsToUse: 0 })));
      await insert(placed({ placedAt: at(10_000) }));
      const newestFirst = [...mine].sort((a, b) => b.placedAt.getTime() - a.placedAt.getTime() || (a.id < b.id ? 1 : -1)).map((order) => order.id);

      const list = new ListMyOrdersHandler(adapters.orderQueries);
      const seen: string[] = [];
      let cursor: string | null = null;
      const pages: number[] = [];
      do {
        const page: { orders: Array<{ orderId: string; userId: string }>; nextCursor: string | null } = await list.execute({ userId, cursor, limit: 3 });
        expect(page.orders.every((order) => order.userId === userId)).toBe(true);
        seen.push(...page.orders.map((order) => order.orderId));
        pages.push(page.orders.length);
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(seen).toEqual(newestFirst);
      expect(pages).toEqual([3, 3, 1]);
      // Exactly a page's worth left: the last full page says there is no next one.
      expect((await list.execute({ userId, cursor: null, limit: 7 })).nextCursor).toBeNull();
      expect((await adapters.orderQueries.listForUser(newId(), { after: null, limit: 10 })).orders).toEqual([]);
      expect((await adapters.orderQueries.listForUser('not-a-uuid', { after: null, limit: 10 })).orders).toEqual([]);
    });

    it('refuses a tampered cursor (INVALID_CURSOR) rather than answer a page of something else', async () => {
      await open();
      const userId = newId();
      for (const offset of [0, 1_000, 2_000]) await insert(placed({ userId, placedAt: at(offset), couponId: null, pointsToUse: 0 }));
      const list = new ListMyOrdersHandler(adapters.orderQueries);
      const { nextCursor } = await list.execute({ userId, cursor: null, limit: 1 });
      const decoded = Buffer.from(nextCursor!, 'base64url').toString('utf8');
      const [placedAtMs, orderId] = decoded.split('.') as [string, string];
      const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
      const tampered = [
        b64(`${placedAtMs}.${orderId.toUpperCase()}`),
        b64(`${placedAtMs}.not-a-uuid-not-a-uuid-not-a-uuid-1234`),
        b64(`-1.${orderId}`),
        b64(`${placedAtMs}.${orderId}.x`),
        b64(`1e12.${orderId}`),
        b64(`99999999999999999.${orderId}`),
        b64(`${placedAtMs}.${orderId}' OR '1'='1`),
        `${nextCursor}=`,
        nextCursor!.slice(0, -2),
        'not-a-cursor',
      ];
      for (const cursor of tampered) {
        await expect(list.execute({ userId, cursor, limit: 1 }), cursor).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
      }
      // The real one still pages on.
      expect((await list.execute({ userId, cursor: nextCursor, limit: 5 })).orders).toHaveLength(2);

      const products = new ListProductsHandler(adapters.catalogQueries);
      for (const cursor of [b64('lower-case'), b64(''), b64('A B'), '***']) {
        await expect(products.execute({ includeInactive: true, cursor, limit: 1 }), cursor).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
      }
    });

    it('pages the catalog by sku: active products only for customers, every one for admins', async () => {
      await open();
      const skus = ['A-1', 'B-2', 'C-3', 'D-4', 'E-5'];
      await adapters.transactions.run(async () => {
        for (const sku of [...skus].reverse())
          await adapters.products.save(
            Product.create({ productId: newId(), sku, name: `Product ${sku}`, price: 100, active: sku !== 'B-2' && sku !== 'D-4', at: NOW }),
          );
      });
      const list = new ListProductsHandler(adapters.catalogQueries);
      async function all(includeInactive: boolean, limit: number): Promise<{ skus: string[]; pages: number }> {
        const found: string[] = [];
        let pages = 0;
        let cursor: string | null = null;
        do {
          const page: { products: Array<{ sku: string }>; nextCursor: string | null } = await list.execute({ includeInactive, cursor, limit });
          found.push(...page.products.map((product) => product.sku));
          pages++;
          cursor = page.nextCursor;
        } while (cursor !== null);
        return { skus: found, pages };
      }
      expect(await all(true, 2)).toEqual({ skus: skus, pages: 3 });
      expect(await all(false, 2)).toEqual({ skus: ['A-1', 'C-3', 'E-5'], pages: 2 });
      expect(await all(false, 3)).toEqual({ skus: ['A-1', 'C-3', 'E-5'], pages: 1 });
      const [first] = (await adapters.catalogQueries.list({ includeInactive: true, after: null, limit: 1 })).products;
      expect(first).toMatchObject({ sku: 'A-1', name: 'Product A-1', price: 100, active: true, createdAt: NOW.toISOString() });
    });
  });
});
