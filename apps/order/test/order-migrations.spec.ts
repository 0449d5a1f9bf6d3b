import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseNameOf, dialectOf, openDataSource } from '@shop/persistence';
import { Cleanups, TEST_POSTGRES_URL, dropDatabase, uniqueServiceName } from '@shop/testing';
import { KINDS, ORDER_SERVICE_MIGRATIONS, openOrderDatabase, type OrderDatabase } from './support/order-test-database.js';

const ORDER_TABLES = ['order_catalog_seed', 'order_history', 'order_line', 'order_payment', 'order_product', 'orders'];
const MIGRATION = 'CreateOrderTables1738000000000';
const CONSTRAINT = /constraint|check/i;

async function tablesOf(database: OrderDatabase): Promise<string[]> {
  const sql =
    database.kind === 'postgres'
      ? `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`
      : `SELECT name FROM sqlite_master WHERE type = 'table'`;
  return (await database.query<{ name: string }>(sql)).map((row) => row.name).sort();
}

describe.each(KINDS)('order migrations on %s', (kind) => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());
  const p = dialectOf(kind).param;

  /** A product row as SQL: price 100 and active unless told otherwise. */
  async function insertProduct(database: OrderDatabase, values: { sku?: string; price?: number } = {}): Promise<string> {
    const sku = values.sku ?? `SKU-${randomUUID().slice(0, 8).toUpperCase()}`;
    await database.query(
      `INSERT INTO order_product (product_id, sku, name, price, active, created_at, updated_at) VALUES (${p(1)}, ${p(2)}, 'A thing', ${p(3)}, TRUE, 0, 0)`,
      [randomUUID(), sku, values.price ?? 100],
    );
    return sku;
  }

  /** An order row as SQL: a PENDING order of 1000 without coupon or points unless told otherwise. */
  async function insertOrder(
    database: OrderDatabase,
    values: { status?: string; couponStep?: string; cancelReason?: string | null; payable?: number | null; subtotal?: number } = {},
  ): Promise<string> {
    const orderId = randomUUID();
    await database.query(
      `INSERT INTO orders (order_id, user_id, status, subtotal, coupon_id, coupon_step, coupon_discount, points_to_use, points_step, payable,
         cancel_reason, reservation_due_at, payment_due_at, placed_at, updated_at)
       VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, NULL, ${p(5)}, 0, 0, 'NOT_REQUIRED', ${p(6)}, ${p(7)}, 0, NULL, 0, 0)`,
      [
        orderId,
        randomUUID(),
        values.status ?? 'PENDING',
        values.subtotal ?? 1000,
        values.couponStep ?? 'NOT_REQUIRED',
        values.payable ?? null,
        values.cancelReason ?? null,
      ],
    );
    return orderId;
  }

  const insertLine = (database: OrderDatabase, orderId: string, lineNo: number, quantity: number, unitPrice = 100) =>
    database.query(
      `INSERT INTO order_line (order_id, line_no, sku, name, quantity, unit_price, line_total) VALUES (${p(1)}, ${p(2)}, 'TEA', 'Tea', ${p(3)}, ${p(4)}, ${p(5)})`,
      [orderId, lineNo, quantity, unitPrice, quantity * unitPrice],
    );

  const insertPayment = (database: OrderDatabase, orderId: string, values: { refundStatus?: string; refundReason?: string | null; amount?: number } = {}) =>
    database.query(
      `INSERT INTO order_payment (payment_id, order_id, payment_no, amount, captured, refund_status, refund_reason, recorded_at, updated_at)
       VALUES (${p(1)}, ${p(2)}, 1, ${p(3)}, FALSE, ${p(4)}, ${p(5)}, 0, 0)`,
      [randomUUID(), orderId, values.amount ?? 1000, values.refundStatus ?? 'NONE', values.refundReason ?? null],
    );

  it('creates the order tables after the platform ones (scheduler for the timeout job, idempotency keys for POST /orders), and records itself as run', async () => {
    const database = await openOrderDatabase(kind, cleanups);
    expect(await tablesOf(database)).toEqual(expect.arrayContaining([...ORDER_TABLES, 'outbox', 'inbox', 'scheduled_job', 'idempotency_key']));
    const ran = (await database.query<{ name: string }>(`SELECT name FROM migrations ORDER BY id`)).map((row) => row.name);
    expect(ran.at(-1)).toBe(MIGRATION);
    expect(ran).toHaveLength(ORDER_SERVICE_MIGRATIONS.length);
  });

  it('refuses a second product with a taken sku, and a price of 0 or less', async () => {
    const database = await openOrderDatabase(kind, cleanups);
    const sku = await insertProduct(database);
    await expect(insertProduct(database, { sku })).rejects.toThrow(/unique|duplicate/i);
    await expect(insertProduct(database, { price: 0 })).rejects.toThrow(CONSTRAINT);
    await expect(insertProduct(database, { price: -100 })).rejects.toThrow(CONSTRAINT);
    expect(await database.count('order_product')).toBe(1);
  });

  it('refuses an order of an unknown status, reservation step or cancel reason, a negative payable and a subtotal of 0', async () => {
    const database = await openOrderDatabase(kind, cleanups);
    await expect(insertOrder(database, { status: 'LOST' })).rejects.toThrow(CONSTRAINT);
    await expect(insertOrder(database, { status: 'pending' })).rejects.toThrow(CONSTRAINT);
    await expect(insertOrder(database, { couponStep: 'MAYBE' })).rejects.toThrow(CONSTRAINT);
    await expect(insertOrder(database, { status: 'CANCELLED', cancelReason: 'BORED' })).rejects.toThrow(CONSTRAINT);
    await expect(insertOrder(database, { payable: -1 })).rejects.toThrow(CONSTRAINT);
    await expect(insertOrder(database, { subtotal: 0 })).rejects.toThrow(CONSTRAINT);
    expect(await database.count('orders')).toBe(0);
    for (const status of ['PENDING', 'AWAITING_PAYMENT', 'PAID', 'ACCEPTED', 'SHIPPED', 'DELIVERED', 'COMPLETED', 'REFUNDING', 'REFUNDED'])
      await insertOrder(database, { status });
    await insertOrder(database, { status: 'CANCELLED', cancelReason: 'COUPON_BELOW_MIN_SPEND' });
    await insertOrder(database, { status: 'AWAITING_PAYMENT', payable: 0 });
    expect(await database.count('orders')).toBe(11);
  });

  it('refuses a status changed to one outside the list', async () => {
    const database = await openOrderDatabase(kind, cleanups);
    const orderId = await insertOrder(database);
    await expect(database.query(`UPDATE orders SET status = 'SHIPPING' WHERE order_id = ${p(1)}`, [orderId])).rejects.toThrow(CONSTRAINT);
    expect(await database.query(`SELECT status FROM orders WHERE order_id = ${p(1)}`, [orderId])).toEqual([{ status: 'PENDING' }]);
  });

  it.each([0, -1, 100])('refuses a line of quantity %d (1 to 99 only)', async (quantity) => {
    const database = await openOrderDatabase(kind, cleanups);
    const orderId = await insertOrder(database);
    await expect(insertLine(database, orderId, 1, quantity)).rejects.toThrow(CONSTRAINT);
    expect(await database.count('order_line')).toBe(0);
  });

  it('takes quantities 1 and 99, and refuses a line number twice, a 51st line and a unit price of 0', async () => {
    const database = await openOrderDatabase(kind, cleanups);
    const orderId = await insertOrder(database);
    await insertLine(database, orderId, 1, 1);
    await insertLine(database, orderId, 2, 99);
    await expect(insertLine(database, orderId, 2, 5)).rejects.toThrow(/unique|duplicate|primary/i);
    await expect(insertLine(database, orderId, 51, 5)).rejects.toThrow(CONSTRAINT);
    await expect(insertLine(database, orderId, 3, 5, 0)).rejects.toThrow(CONSTRAINT);
    expect(await database.count('order_line')).toBe(2);
  });

  it('refuses a history entry of an unknown status and a payment of an unknown refund status or reason', async () => {
    const database = await openOrderDatabase(kind, cleanups);
    const orderId = await insertOrder(database);
    await expect(
      database.query(`INSERT INTO order_history (order_id, seq, status, reason, at) VALUES (${p(1)}, 1, 'LOST', NULL, 0)`, [orderId]),
    ).rejects.toThrow(CONSTRAINT);
    await expect(insertPayment(database, orderId, { refundStatus: 'MAYBE' })).rejects.toThrow(CONSTRAINT);
    await expect(insertPayment(database, orderId, { refundStatus: 'REQUESTED', refundReason: 'WHIM' })).rejects.toThrow(CONSTRAINT);
    await expect(insertPayment(database, orderId, { amount: -1 })).rejects.toThrow(CONSTRAINT);
    await insertPayment(database, orderId, { refundStatus: 'REQUESTED', refundReason: 'LATE_PAYMENT' });
    expect(await database.count('order_payment')).toBe(1);
    expect(await database.count('order_history')).toBe(0);
  });

  it('keeps one claim per seed name', async () => {
    const database = await openOrderDatabase(kind, cleanups);
    await database.query(`INSERT INTO order_catalog_seed (name, seeded_at) VALUES ('demo-catalog', 1)`);
    await expect(database.query(`INSERT INTO order_catalog_seed (name, seeded_at) VALUES ('demo-catalog', 2)`)).rejects.toThrow(/unique|duplicate|primary/i);
  });

  it('is reverted by its down migration and applied again', async () => {
    const database = await openOrderDatabase(kind, cleanups);
    await database.transactions.dataSource.undoLastMigration({ transaction: 'each' });
    expect((await tablesOf(database)).filter((table) => ORDER_TABLES.includes(table))).toEqual([]);
    await database.transactions.dataSource.runMigrations({ transaction: 'each' });
    expect(await tablesOf(database)).toEqual(expect.arrayContaining(ORDER_TABLES));
    const orderId = await insertOrder(database);
    await expect(insertLine(database, orderId, 1, 100)).rejects.toThrow(CONSTRAINT);
  });
});

describe('order migrations with several instances starting at once (PostgreSQL)', () => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  it('migrate once: the others wait and find the schema in place', async () => {
    const service = uniqueServiceName('order');
    cleanups.add(() => dropDatabase(databaseNameOf(service)));
    const dataSources = await Promise.all(
      [1, 2, 3].map(() => openDataSource({ service, postgresUrl: TEST_POSTGRES_URL, poolSize: 2, entities: [], migrations: ORDER_SERVICE_MIGRATIONS })),
    );
    for (const dataSource of dataSources) cleanups.add(() => dataSource.destroy());
    const ran = (await dataSources[0]!.query(`SELECT name FROM migrations WHERE name = '${MIGRATION}'`)) as unknown[];
    expect(ran).toHaveLength(1);
  });
});
