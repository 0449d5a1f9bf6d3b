import { afterEach, describe, expect, it } from 'vitest';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { TEST_POSTGRES_URL, dropDatabase, uniqueServiceName } from '@shop/testing';
import { databaseNameOf, isUniqueViolationOf, openDataSource } from '../src/index.js';

class CreateTables1700000000000 implements MigrationInterface {
  name = 'CreateTables1700000000000';
  async up(runner: QueryRunner) {
    await runner.query(`CREATE TABLE product (id INTEGER PRIMARY KEY, sku TEXT NOT NULL, email TEXT NOT NULL)`);
    await runner.query(`CREATE UNIQUE INDEX product_sku ON product (sku)`);
    await runner.query(`CREATE UNIQUE INDEX product_email_lower ON product (lower(email))`);
  }
  async down(runner: QueryRunner) {
    await runner.query(`DROP TABLE product`);
  }
}

describe('isUniqueViolationOf on PostgreSQL (as TypeORM throws it)', () => {
  let dataSource: DataSource | undefined;
  let service = '';
  afterEach(async () => {
    await dataSource?.destroy().catch(() => undefined);
    await dropDatabase(databaseNameOf(service));
  });

  it('names the index broken, by its name, whether on a column or an expression, and not the primary key', async () => {
    service = uniqueServiceName('unique');
    dataSource = await openDataSource({ service, postgresUrl: TEST_POSTGRES_URL, poolSize: 2, entities: [], migrations: [CreateTables1700000000000] });
    await dataSource.query(`INSERT INTO product (id, sku, email) VALUES (1, 'TEA', 'a@example.com')`);
    const failureOf = (values: string) =>
      dataSource!.query(`INSERT INTO product (id, sku, email) VALUES ${values}`).then(
        () => {
          throw new Error('expected the insert to fail');
        },
        (error: unknown) => error,
      );
    const sku = { index: 'product_sku', table: 'product', column: 'sku' };
    const email = { index: 'product_email_lower' };

    const takenSku = await failureOf(`(2, 'TEA', 'b@example.com')`);
    expect([isUniqueViolationOf(takenSku, sku), isUniqueViolationOf(takenSku, email)]).toEqual([true, false]);
    const takenEmail = await failureOf(`(2, 'MUG', 'A@EXAMPLE.COM')`);
    expect([isUniqueViolationOf(takenEmail, sku), isUniqueViolationOf(takenEmail, email)]).toEqual([false, true]);
    const takenId = await failureOf(`(1, 'MUG', 'b@example.com')`);
    expect([isUniqueViolationOf(takenId, sku), isUniqueViolationOf(takenId, email)]).toEqual([false, false]);
  });
});
