import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { openDataSource } from './data-source.factory.js';
import { TransactionHost } from './transaction-host.js';
import { isUniqueViolationOf } from './unique-violation.js';

class CreateTables1700000000000 implements MigrationInterface {
  name = 'CreateTables1700000000000';
  async up(runner: QueryRunner) {
    await runner.query(`CREATE TABLE product (id INTEGER PRIMARY KEY, sku TEXT NOT NULL, code TEXT NOT NULL, email TEXT NOT NULL)`);
    await runner.query(`CREATE UNIQUE INDEX product_sku ON product (sku)`);
    await runner.query(`CREATE UNIQUE INDEX product_code ON product (code)`);
    await runner.query(`CREATE UNIQUE INDEX product_email_lower ON product (lower(email))`);
  }
  async down(runner: QueryRunner) {
    await runner.query(`DROP TABLE product`);
  }
}

const SKU = { index: 'product_sku', table: 'product', column: 'sku' };
const CODE = { index: 'product_code', table: 'product', column: 'code' };
const EMAIL = { index: 'product_email_lower' };

describe('isUniqueViolationOf on SQLite (as TypeORM throws it)', () => {
  let host: TransactionHost;
  beforeEach(async () => {
    host = new TransactionHost(await openDataSource({ service: 'unique_spec', sqliteDir: ':memory:', entities: [], migrations: [CreateTables1700000000000] }));
    await host.dataSource.query(`INSERT INTO product (id, sku, code, email) VALUES (1, 'TEA', 'T1', 'a@example.com')`);
  });
  afterEach(() => host.dataSource.destroy());

  const failureOf = (values: string) =>
    host.dataSource.query(`INSERT INTO product (id, sku, code, email) VALUES ${values}`).then(
      () => {
        throw new Error('expected the insert to fail');
      },
      (error: unknown) => error,
    );

  it('names the index on a column by its table.column, and no other index', async () => {
    const error = await failureOf(`(2, 'TEA', 'T2', 'b@example.com')`);
    expect(isUniqueViolationOf(error, SKU)).toBe(true);
    expect(isUniqueViolationOf(error, CODE)).toBe(false);
    expect(isUniqueViolationOf(error, EMAIL)).toBe(false);
    expect(isUniqueViolationOf(error, { index: 'product_sku' })).toBe(false);
  });

  it('names an index on an expression by its name', async () => {
    const error = await failureOf(`(2, 'MUG', 'T2', 'A@EXAMPLE.COM')`);
    expect(isUniqueViolationOf(error, EMAIL)).toBe(true);
    expect(isUniqueViolationOf(error, SKU)).toBe(false);
  });

  it('is false for the primary key, another constraint, and what is no database error', async () => {
    expect(isUniqueViolationOf(await failureOf(`(1, 'MUG', 'T2', 'b@example.com')`), SKU)).toBe(false);
    expect(isUniqueViolationOf(await failureOf(`(2, NULL, 'T2', 'b@example.com')`), SKU)).toBe(false);
    for (const other of [undefined, null, 'UNIQUE constraint failed: product.sku', new Error('UNIQUE constraint failed: product.sku')])
      expect(isUniqueViolationOf(other, SKU)).toBe(false);
  });
});

describe('isUniqueViolationOf on PostgreSQL’s error shape', () => {
  it('keys on the constraint the driver names', () => {
    const error = { driverError: { code: '23505', constraint: 'product_sku', message: 'duplicate key value violates unique constraint "product_sku"' } };
    expect(isUniqueViolationOf(error, SKU)).toBe(true);
    expect(isUniqueViolationOf(error, { index: 'product_sku' })).toBe(true);
    expect(isUniqueViolationOf(error, CODE)).toBe(false);
  });
});
