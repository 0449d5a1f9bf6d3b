import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseNameOf, dialectOf, isUniqueViolationOf, openDataSource } from '@shop/persistence';
import { Cleanups, TEST_POSTGRES_URL, dropDatabase, uniqueServiceName } from '@shop/testing';
import { KINDS, PAYMENT_SERVICE_MIGRATIONS, openPaymentDatabase, type PaymentDatabase } from './support/payment-test-database.js';

const PAYMENT_TABLES = ['payment', 'payment_payable_order', 'payment_sandbox_charge'];
const MIGRATION = 'CreatePaymentTables1739000000000';
const CONSTRAINT = /constraint|check/i;
const UNIQUE = /unique|duplicate/i;

async function tablesOf(database: PaymentDatabase): Promise<string[]> {
  const sql =
    database.kind === 'postgres'
      ? `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`
      : `SELECT name FROM sqlite_master WHERE type = 'table'`;
  return (await database.query<{ name: string }>(sql)).map((row) => row.name).sort();
}

interface PaymentValues {
  paymentId?: string;
  orderId?: string;
  status?: string;
  amount?: number;
  currency?: string;
  failureReason?: string | null;
  refundId?: string | null;
  refundedAt?: number | null;
}

describe.each(KINDS)('payment migrations on %s', (kind) => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());
  const p = dialectOf(kind).param;

  /** A payment row as SQL: a PENDING payment of 1000 CNY unless told otherwise (a refund's columns filled when `refundId` is). */
  async function insertPayment(database: PaymentDatabase, values: PaymentValues = {}): Promise<string> {
    const paymentId = values.paymentId ?? randomUUID();
    const refundId = values.refundId ?? null;
    await database.query(
      `INSERT INTO payment (payment_id, order_id, user_id, amount, currency, status, provider, failure_reason, created_at,
         refund_id, refund_reason, refund_requested_at, refunded_at)
       VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, 'sandbox', ${p(7)}, 0, ${p(8)}, ${p(9)}, ${p(10)}, ${p(11)})`,
      [
        paymentId,
        values.orderId ?? randomUUID(),
        randomUUID(),
        values.amount ?? 1000,
        values.currency ?? 'CNY',
        values.status ?? 'PENDING',
        values.failureReason ?? null,
        refundId,
        refundId === null ? null : 'CUSTOMER_REQUEST',
        refundId === null ? null : 0,
        values.refundedAt ?? null,
      ],
    );
    return paymentId;
  }

  async function insertCharge(
    database: PaymentDatabase,
    values: { status?: string; refunds?: string; providerPaymentId?: string; settledAt?: number | null } = {},
  ) {
    const paymentId = randomUUID();
    await database.query(
      `INSERT INTO payment_sandbox_charge (payment_id, provider_payment_id, amount, currency, status, refunds, created_at, settled_at)
       VALUES (${p(1)}, ${p(2)}, 1000, 'CNY', ${p(3)}, ${p(4)}, 0, ${p(5)})`,
      [paymentId, values.providerPaymentId ?? `sbx_${paymentId}`, values.status ?? 'PENDING', values.refunds ?? 'ACCEPT', values.settledAt ?? null],
    );
    return paymentId;
  }

  const insertPayableOrder = (database: PaymentDatabase, values: { state?: string; payable?: number | null } = {}) =>
    database.query(
      `INSERT INTO payment_payable_order (order_id, user_id, payable, payment_due_at, state, updated_at) VALUES (${p(1)}, ${p(2)}, ${p(3)}, 0, ${p(4)}, 0)`,
      [randomUUID(), randomUUID(), values.payable === undefined ? 1000 : values.payable, values.state ?? 'AWAITING_PAYMENT'],
    );

  it('creates the payment tables after the platform ones (scheduler for the two jobs, idempotency keys for POST /payments), and records itself as run', async () => {
    const database = await openPaymentDatabase(kind, cleanups);
    expect(await tablesOf(database)).toEqual(expect.arrayContaining([...PAYMENT_TABLES, 'outbox', 'inbox', 'scheduled_job', 'idempotency_key']));
    const ran = (await database.query<{ name: string }>(`SELECT name FROM migrations ORDER BY id`)).map((row) => row.name);
    expect(ran.at(-1)).toBe(MIGRATION);
    expect(ran).toHaveLength(PAYMENT_SERVICE_MIGRATIONS.length);
  });

  it('keeps at most one PENDING payment per order (payment_pending_order), and any number of settled ones', async () => {
    const database = await openPaymentDatabase(kind, cleanups);
    const orderId = randomUUID();
    await insertPayment(database, { orderId, status: 'FAILED', failureReason: 'DECLINED' });
    await insertPayment(database, { orderId, status: 'FAILED', failureReason: 'PROVIDER_ERROR' });
    const pending = await insertPayment(database, { orderId });
    const second = insertPayment(database, { orderId });
    await expect(second).rejects.toThrow(UNIQUE);
    expect(isUniqueViolationOf(await second.catch((error: unknown) => error), { index: 'payment_pending_order', table: 'payment', column: 'order_id' })).toBe(
      true,
    );
    // Another order's PENDING payment is fine.
    await insertPayment(database);
    // Once the first is settled, the next attempt may be PENDING; a second PENDING by update is refused as well.
    await database.query(`UPDATE payment SET status = 'FAILED', failure_reason = 'EXPIRED' WHERE payment_id = ${p(1)}`, [pending]);
    const next = await insertPayment(database, { orderId });
    await expect(database.query(`UPDATE payment SET status = 'PENDING' WHERE payment_id = ${p(1)}`, [pending])).rejects.toThrow(UNIQUE);
    expect(await database.count('payment', `order_id = ${p(1)} AND status = 'PENDING'`, [orderId])).toBe(1);
    expect(await database.query(`SELECT payment_id FROM payment WHERE order_id = ${p(1)} AND status = 'PENDING'`, [orderId])).toEqual([{ payment_id: next }]);
  });

  it('refuses a payment of an unknown status or failure reason, a negative or too large amount, and a currency that is not three capitals', async () => {
    const database = await openPaymentDatabase(kind, cleanups);
    await expect(insertPayment(database, { status: 'LOST' })).rejects.toThrow(CONSTRAINT);
    await expect(insertPayment(database, { status: 'pending' })).rejects.toThrow(CONSTRAINT);
    await expect(insertPayment(database, { status: 'FAILED', failureReason: 'BORED' })).rejects.toThrow(CONSTRAINT);
    await expect(insertPayment(database, { amount: -1 })).rejects.toThrow(CONSTRAINT);
    await expect(insertPayment(database, { amount: 1_000_000_000_001 })).rejects.toThrow(CONSTRAINT);
    await expect(insertPayment(database, { currency: 'cny' })).rejects.toThrow(CONSTRAINT);
    await expect(insertPayment(database, { currency: 'CN' })).rejects.toThrow(CONSTRAINT);
    if (kind === 'sqlite') await expect(insertPayment(database, { currency: 'CNYX' })).rejects.toThrow(CONSTRAINT);
    expect(await database.count('payment')).toBe(0);
    await insertPayment(database, { amount: 0 });
    await insertPayment(database, { amount: 1_000_000_000_000, status: 'SUCCEEDED' });
    expect(await database.count('payment')).toBe(2);
  });

  it('refuses a FAILED payment without its reason, a refund state without its refund, and REFUNDED without when', async () => {
    const database = await openPaymentDatabase(kind, cleanups);
    await expect(insertPayment(database, { status: 'FAILED' })).rejects.toThrow(CONSTRAINT);
    await expect(insertPayment(database, { status: 'REFUNDING' })).rejects.toThrow(CONSTRAINT);
    await expect(insertPayment(database, { status: 'REFUNDED', refundId: randomUUID() })).rejects.toThrow(CONSTRAINT);
    const refunding = await insertPayment(database, { status: 'REFUNDING', refundId: randomUUID() });
    await expect(database.query(`UPDATE payment SET status = 'REFUNDED' WHERE payment_id = ${p(1)}`, [refunding])).rejects.toThrow(CONSTRAINT);
    await database.query(`UPDATE payment SET status = 'REFUNDED', refunded_at = 5 WHERE payment_id = ${p(1)}`, [refunding]);
    await expect(database.query(`UPDATE payment SET refund_attempts = -1 WHERE payment_id = ${p(1)}`, [refunding])).rejects.toThrow(CONSTRAINT);
    expect(await database.query(`SELECT status FROM payment WHERE payment_id = ${p(1)}`, [refunding])).toEqual([{ status: 'REFUNDED' }]);
  });

  it('refuses a payable order of an unknown state or a negative or missing payable', async () => {
    const database = await openPaymentDatabase(kind, cleanups);
    await expect(insertPayableOrder(database, { state: 'SHIPPED' })).rejects.toThrow(CONSTRAINT);
    await expect(insertPayableOrder(database, { payable: -1 })).rejects.toThrow(CONSTRAINT);
    for (const state of ['AWAITING_PAYMENT', 'PAID', 'CANCELLED']) await insertPayableOrder(database, { state });
    await expect(insertPayableOrder(database, { payable: null })).rejects.toThrow(/constraint|null/i);
    await insertPayableOrder(database, { state: 'CANCELLED', payable: 0 });
    expect(await database.count('payment_payable_order')).toBe(4);
  });

  it('refuses a sandbox charge of an unknown status or refund answer, settled without when, or a provider id twice', async () => {
    const database = await openPaymentDatabase(kind, cleanups);
    await expect(insertCharge(database, { status: 'LOST' })).rejects.toThrow(CONSTRAINT);
    await expect(insertCharge(database, { refunds: 'MAYBE' })).rejects.toThrow(CONSTRAINT);
    await expect(insertCharge(database, { status: 'SUCCEEDED' })).rejects.toThrow(CONSTRAINT);
    const chargeId = await insertCharge(database, { providerPaymentId: 'sbx_1' });
    await expect(insertCharge(database, { providerPaymentId: 'sbx_1' })).rejects.toThrow(UNIQUE);
    // A refund only of a charge that succeeded.
    await expect(database.query(`UPDATE payment_sandbox_charge SET refund_id = ${p(1)} WHERE payment_id = ${p(2)}`, [randomUUID(), chargeId])).rejects.toThrow(
      CONSTRAINT,
    );
    for (const status of ['SUCCEEDED', 'FAILED', 'CANCELLED']) await insertCharge(database, { status, settledAt: 1 });
    expect(await database.count('payment_sandbox_charge')).toBe(4);
  });

  it('is reverted by its down migration and applied again', async () => {
    const database = await openPaymentDatabase(kind, cleanups);
    await database.transactions.dataSource.undoLastMigration({ transaction: 'each' });
    expect((await tablesOf(database)).filter((table) => PAYMENT_TABLES.includes(table))).toEqual([]);
    await database.transactions.dataSource.runMigrations({ transaction: 'each' });
    expect(await tablesOf(database)).toEqual(expect.arrayContaining(PAYMENT_TABLES));
    const orderId = randomUUID();
    await insertPayment(database, { orderId });
    await expect(insertPayment(database, { orderId })).rejects.toThrow(UNIQUE);
  });
});

describe('payment migrations with several instances starting at once (PostgreSQL)', () => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  it('migrate once: the others wait and find the schema in place', async () => {
    const service = uniqueServiceName('payment');
    cleanups.add(() => dropDatabase(databaseNameOf(service)));
    const dataSources = await Promise.all(
      [1, 2, 3].map(() => openDataSource({ service, postgresUrl: TEST_POSTGRES_URL, poolSize: 2, entities: [], migrations: PAYMENT_SERVICE_MIGRATIONS })),
    );
    for (const dataSource of dataSources) cleanups.add(() => dataSource.destroy());
    const ran = (await dataSources[0]!.query(`SELECT name FROM migrations WHERE name = '${MIGRATION}'`)) as unknown[];
    expect(ran).toHaveLength(1);
  });
});
