import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseNameOf, dialectOf, openDataSource } from '@shop/persistence';
import { Cleanups, TEST_POSTGRES_URL, dropDatabase, uniqueServiceName } from '@shop/testing';
import { KINDS, POINTS_SERVICE_MIGRATIONS, openPointsDatabase, type PointsDatabase } from './support/points-test-database.js';

const POINTS_TABLES = ['points_account', 'points_ledger', 'points_order'];
const MIGRATION = 'CreatePointsTables1737000000000';

async function tablesOf(database: PointsDatabase): Promise<string[]> {
  const sql =
    database.kind === 'postgres'
      ? `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`
      : `SELECT name FROM sqlite_master WHERE type = 'table'`;
  return (await database.query<{ name: string }>(sql)).map((row) => row.name).sort();
}

describe.each(KINDS)('points migrations on %s', (kind) => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());
  const p = dialectOf(kind).param;

  /** An account row as SQL, each balance as given (0 by default). */
  async function insertAccount(
    database: PointsDatabase,
    values: Partial<Record<'available' | 'frozen' | 'lifetime_earned' | 'debt', number>> = {},
  ): Promise<string> {
    const userId = randomUUID();
    await database.query(
      `INSERT INTO points_account (user_id, available, frozen, lifetime_earned, debt, created_at, updated_at) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, 0, 0)`,
      [userId, values.available ?? 0, values.frozen ?? 0, values.lifetime_earned ?? 0, values.debt ?? 0],
    );
    return userId;
  }

  /** A ledger entry as SQL: a BONUS of 100 unless told otherwise. */
  async function insertEntry(database: PointsDatabase, values: { key?: string; kind?: string; availableAfter?: number } = {}): Promise<string> {
    const key = values.key ?? `BONUS:${randomUUID()}`;
    await database.query(
      `INSERT INTO points_ledger (entry_key, user_id, kind, order_id, delta_available, delta_frozen, delta_earned, delta_debt,
         available_after, frozen_after, lifetime_earned_after, debt_after, created_at)
       VALUES (${p(1)}, ${p(2)}, ${p(3)}, NULL, 100, 0, 100, 0, ${p(4)}, 0, 100, 0, 0)`,
      [key, randomUUID(), values.kind ?? 'BONUS', values.availableAfter ?? 100],
    );
    return key;
  }

  it('creates the points tables after the platform ones (with the scheduler’s, for the reconciliation job), and records itself as run', async () => {
    const database = await openPointsDatabase(kind, cleanups);
    expect(await tablesOf(database)).toEqual(expect.arrayContaining([...POINTS_TABLES, 'outbox', 'inbox', 'scheduled_job']));
    const ran = (await database.query<{ name: string }>(`SELECT name FROM migrations ORDER BY id`)).map((row) => row.name);
    expect(ran.at(-1)).toBe(MIGRATION);
    expect(ran).toHaveLength(POINTS_SERVICE_MIGRATIONS.length);
  });

  it.each(['available', 'frozen', 'lifetime_earned', 'debt'] as const)('keeps %s of an account ≥ 0 in the schema, on insert and on update', async (column) => {
    const database = await openPointsDatabase(kind, cleanups);
    await expect(insertAccount(database, { [column]: -1 })).rejects.toThrow(/constraint|check/i);
    const userId = await insertAccount(database, { [column]: 5 });
    await expect(database.query(`UPDATE points_account SET ${column} = ${column} - 6 WHERE user_id = ${p(1)}`, [userId])).rejects.toThrow(/constraint|check/i);
    expect(await database.query(`SELECT ${column} AS value FROM points_account WHERE user_id = ${p(1)}`, [userId])).toEqual([
      { value: kind === 'postgres' ? '5' : 5 },
    ]);
  });

  it('refuses a second ledger entry with the same key', async () => {
    const database = await openPointsDatabase(kind, cleanups);
    const key = await insertEntry(database);
    await expect(insertEntry(database, { key })).rejects.toThrow(/unique|duplicate/i);
    expect(await database.count('points_ledger')).toBe(1);
  });

  it('refuses an entry of an unknown kind and a negative balance after an entry', async () => {
    const database = await openPointsDatabase(kind, cleanups);
    await expect(insertEntry(database, { kind: 'GIFT' })).rejects.toThrow(/constraint|check/i);
    await expect(insertEntry(database, { availableAfter: -1 })).rejects.toThrow(/constraint|check/i);
    expect(await database.count('points_ledger')).toBe(0);
  });

  it('keeps the ledger append-only: UPDATE and DELETE are refused', async () => {
    const database = await openPointsDatabase(kind, cleanups);
    const key = await insertEntry(database);
    await expect(database.query(`UPDATE points_ledger SET delta_available = 1000 WHERE entry_key = ${p(1)}`, [key])).rejects.toThrow(/append-only/);
    await expect(database.query(`DELETE FROM points_ledger WHERE entry_key = ${p(1)}`, [key])).rejects.toThrow(/append-only/);
    expect(await database.query(`SELECT delta_available FROM points_ledger WHERE entry_key = ${p(1)}`, [key])).toEqual([
      { delta_available: kind === 'postgres' ? '100' : 100 },
    ]);
  });

  it('numbers the ledger in the order it is written', async () => {
    const database = await openPointsDatabase(kind, cleanups);
    const keys = [await insertEntry(database), await insertEntry(database), await insertEntry(database)];
    const rows = await database.query<{ entry_key: string }>(`SELECT entry_key FROM points_ledger ORDER BY seq`);
    expect(rows.map((row) => row.entry_key)).toEqual(keys);
  });

  it('refuses an order of an unknown status, negative points and an unknown rejection reason', async () => {
    const database = await openPointsDatabase(kind, cleanups);
    const insertOrder = (status: string, points: number, reason: string | null = null) =>
      database.query(
        `INSERT INTO points_order (order_id, user_id, status, points, earned, reason, created_at, updated_at) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, 0, ${p(5)}, 0, 0)`,
        [randomUUID(), randomUUID(), status, points, reason],
      );
    await expect(insertOrder('LOST', 10)).rejects.toThrow(/constraint|check/i);
    await expect(insertOrder('RESERVED', -10)).rejects.toThrow(/constraint|check/i);
    await expect(insertOrder('REJECTED', 10, 'TOO_POOR')).rejects.toThrow(/constraint|check/i);
    await insertOrder('CANCELLED_UNSEEN', 0);
    await insertOrder('REJECTED', 10, 'INSUFFICIENT_POINTS');
    await insertOrder('REJECTED', 10, 'ORDER_CANCELLED');
    expect(await database.count('points_order')).toBe(3);
  });

  it.runIf(kind === 'postgres')('refuses TRUNCATE of the ledger (PostgreSQL: a statement trigger of its own)', async () => {
    const database = await openPointsDatabase(kind, cleanups);
    await insertEntry(database);
    await expect(database.query(`TRUNCATE points_ledger`)).rejects.toThrow(/append-only: TRUNCATE refused/);
    expect(await database.count('points_ledger')).toBe(1);
  });

  it('is reverted by its down migration and applied again', async () => {
    const database = await openPointsDatabase(kind, cleanups);
    await database.transactions.dataSource.undoLastMigration({ transaction: 'each' });
    expect((await tablesOf(database)).filter((table) => POINTS_TABLES.includes(table))).toEqual([]);
    await database.transactions.dataSource.runMigrations({ transaction: 'each' });
    expect(await tablesOf(database)).toEqual(expect.arrayContaining(POINTS_TABLES));
    // The trigger came back with the table (on PostgreSQL, its function too).
    await insertEntry(database);
    await expect(database.query(`DELETE FROM points_ledger`)).rejects.toThrow(/append-only/);
  });
});

describe('points migrations with several instances starting at once (PostgreSQL)', () => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  it('migrate once: the others wait and find the schema in place', async () => {
    const service = uniqueServiceName('points');
    cleanups.add(() => dropDatabase(databaseNameOf(service)));
    const dataSources = await Promise.all(
      [1, 2, 3].map(() => openDataSource({ service, postgresUrl: TEST_POSTGRES_URL, poolSize: 2, entities: [], migrations: POINTS_SERVICE_MIGRATIONS })),
    );
    for (const dataSource of dataSources) cleanups.add(() => dataSource.destroy());
    const ran = (await dataSources[0]!.query(`SELECT name FROM migrations WHERE name = '${MIGRATION}'`)) as unknown[];
    expect(ran).toHaveLength(1);
  });
});
