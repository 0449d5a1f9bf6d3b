import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseNameOf, dialectOf, openDataSource } from '@shop/persistence';
import { Cleanups, TEST_POSTGRES_URL, dropDatabase, uniqueServiceName } from '@shop/testing';
import { COUPON_SERVICE_MIGRATIONS, KINDS, openCouponDatabase, type CouponDatabase } from './support/coupon-test-database.js';

const COUPON_TABLES = ['coupon', 'coupon_claim_count', 'coupon_reservation', 'coupon_template'];

async function tablesOf(database: CouponDatabase): Promise<string[]> {
  const sql =
    database.kind === 'postgres'
      ? `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`
      : `SELECT name FROM sqlite_master WHERE type = 'table'`;
  return (await database.query<{ name: string }>(sql)).map((row) => row.name).sort();
}

describe.each(KINDS)('coupon migrations on %s', (kind) => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  /** A template row as SQL, `issued` and `total_stock` as given. */
  async function insertTemplate(database: CouponDatabase, values: { id?: string; totalStock?: number; issued?: number } = {}): Promise<string> {
    const id = values.id ?? randomUUID();
    const p = dialectOf(database.kind).param;
    await database.query(
      `INSERT INTO coupon_template (id, name, discount, total_stock, issued, per_user_limit, validity, grant_on_register, status, created_at)
       VALUES (${p(1)}, 'Spring', '{"kind":"amount_off","amountOff":500,"minSpend":0}', ${p(2)}, ${p(3)}, 1, '{"kind":"relative","days":7}', ${p(4)}, 'ACTIVE', 0)`,
      [id, values.totalStock ?? 10, values.issued ?? 0, false],
    );
    return id;
  }

  async function insertCoupon(database: CouponDatabase, templateId: string, values: { grantKey?: string | null; status?: string } = {}): Promise<string> {
    const id = randomUUID();
    const p = dialectOf(database.kind).param;
    await database.query(
      `INSERT INTO coupon (id, template_id, user_id, template_name, discount, valid_from, valid_until, status, grant_key, created_at, updated_at)
       VALUES (${p(1)}, ${p(2)}, ${p(3)}, 'Spring', '{}', 0, 1000, ${p(4)}, ${p(5)}, 0, 0)`,
      [id, templateId, randomUUID(), values.status ?? 'AVAILABLE', values.grantKey ?? null],
    );
    return id;
  }

  it('creates the coupon tables after the platform ones, and records itself as run', async () => {
    const database = await openCouponDatabase(kind, cleanups);
    expect(await tablesOf(database)).toEqual(expect.arrayContaining([...COUPON_TABLES, 'outbox', 'inbox', 'scheduled_job', 'idempotency_key']));
    const ran = (await database.query<{ name: string }>(`SELECT name FROM migrations ORDER BY id`)).map((row) => row.name);
    expect(ran.at(-1)).toBe('CreateCouponTables1736000000000');
    expect(ran).toHaveLength(COUPON_SERVICE_MIGRATIONS.length);
  });

  it('keeps the stock in the schema: issued never above total_stock nor below 0', async () => {
    const database = await openCouponDatabase(kind, cleanups);
    const id = await insertTemplate(database, { totalStock: 2, issued: 2 });
    const p = dialectOf(kind).param;
    await expect(database.query(`UPDATE coupon_template SET issued = issued + 1 WHERE id = ${p(1)}`, [id])).rejects.toThrow(/constraint|check/i);
    await expect(database.query(`UPDATE coupon_template SET issued = -1 WHERE id = ${p(1)}`, [id])).rejects.toThrow(/constraint|check/i);
    await expect(insertTemplate(database, { totalStock: 0 })).rejects.toThrow(/constraint|check/i);
    expect(await database.query(`SELECT issued FROM coupon_template WHERE id = ${p(1)}`, [id])).toEqual([{ issued: 2 }]);
  });

  it('refuses a second coupon with the same grant key, and takes any number without one', async () => {
    const database = await openCouponDatabase(kind, cleanups);
    const templateId = await insertTemplate(database);
    await insertCoupon(database, templateId, { grantKey: `welcome:${templateId}:u1` });
    await expect(insertCoupon(database, templateId, { grantKey: `welcome:${templateId}:u1` })).rejects.toThrow(/unique|duplicate/i);
    await insertCoupon(database, templateId);
    await insertCoupon(database, templateId);
    expect(await database.count('coupon')).toBe(3);
  });

  it('refuses a coupon of an unknown status and an empty validity window', async () => {
    const database = await openCouponDatabase(kind, cleanups);
    const templateId = await insertTemplate(database);
    await expect(insertCoupon(database, templateId, { status: 'LOST' })).rejects.toThrow(/constraint|check/i);
    const p = dialectOf(kind).param;
    await expect(
      database.query(
        `INSERT INTO coupon (id, template_id, user_id, template_name, discount, valid_from, valid_until, status, created_at, updated_at)
         VALUES (${p(1)}, ${p(2)}, ${p(3)}, 'x', '{}', 1000, 1000, 'AVAILABLE', 0, 0)`,
        [randomUUID(), templateId, randomUUID()],
      ),
    ).rejects.toThrow(/constraint|check/i);
    expect(await database.count('coupon')).toBe(0);
  });

  it('has no foreign key from coupon to coupon_template (its check would share-lock the hot template row), and keeps the index on template_id', async () => {
    const database = await openCouponDatabase(kind, cleanups);
    const foreignKeys =
      kind === 'postgres'
        ? await database.query(`SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid IN ('coupon'::regclass, 'coupon_claim_count'::regclass)`)
        : [...(await database.query(`PRAGMA foreign_key_list(coupon)`)), ...(await database.query(`PRAGMA foreign_key_list(coupon_claim_count)`))];
    expect(foreignKeys).toEqual([]);
    const indexes =
      kind === 'postgres'
        ? (await database.query<{ name: string }>(`SELECT indexname AS name FROM pg_indexes WHERE tablename = 'coupon'`)).map((row) => row.name)
        : (await database.query<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'coupon'`)).map((row) => row.name);
    expect(indexes).toContain('coupon_template_status');
  });

  it('is reverted by its down migration and applied again', async () => {
    const database = await openCouponDatabase(kind, cleanups);
    await database.transactions.dataSource.undoLastMigration({ transaction: 'each' });
    expect(await tablesOf(database)).not.toEqual(expect.arrayContaining(['coupon']));
    expect((await tablesOf(database)).filter((table) => COUPON_TABLES.includes(table))).toEqual([]);
    await database.transactions.dataSource.runMigrations({ transaction: 'each' });
    expect(await tablesOf(database)).toEqual(expect.arrayContaining(COUPON_TABLES));
  });
});

describe('coupon migrations with several instances starting at once (PostgreSQL)', () => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  it('migrate once: the others wait and find the schema in place', async () => {
    const service = uniqueServiceName('coupon');
    cleanups.add(() => dropDatabase(databaseNameOf(service)));
    const dataSources = await Promise.all(
      [1, 2, 3].map(() => openDataSource({ service, postgresUrl: TEST_POSTGRES_URL, poolSize: 2, entities: [], migrations: COUPON_SERVICE_MIGRATIONS })),
    );
    for (const dataSource of dataSources) cleanups.add(() => dataSource.destroy());
    const ran = (await dataSources[0]!.query(`SELECT name FROM migrations WHERE name = 'CreateCouponTables1736000000000'`)) as unknown[];
    expect(ran).toHaveLength(1);
  });
});
