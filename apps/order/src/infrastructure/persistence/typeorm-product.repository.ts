import {
  booleanOf,
  dialectOf,
  inList,
  isUniqueViolationOf,
  numberOf,
  rowsOf,
  StaleAggregateError,
  StoredVersions,
  type TransactionHost,
} from '@shop/persistence';
import { AggregateRepository, type EventOutbox } from '@shop/shared-kernel';
import { orderIntegrationEvents } from '../../application/order.integration-events.js';
import type { ProductRepository } from '../../application/ports/product.repository.js';
import { SkuTakenError } from '../../domain/order.errors.js';
import { Product, type ProductSnapshot } from '../../domain/product.js';

export const PRODUCT_COLUMNS = 'product_id, sku, name, price, active, version, created_at, updated_at';
const SKU_UNIQUE = { index: 'order_product_sku', table: 'order_product', column: 'sku' };

/** A row of `order_product` as the drivers return it. */
export interface ProductRow {
  product_id: string;
  sku: string;
  name: string;
  price: string | number;
  active: boolean | number;
  version: string | number;
  created_at: string | number;
  updated_at: string | number;
}

export const productSnapshotOf = (row: ProductRow): ProductSnapshot => ({
  productId: row.product_id,
  sku: row.sku,
  name: row.name,
  price: numberOf(row.price),
  active: booleanOf(row.active),
  createdAt: new Date(numberOf(row.created_at)),
  updatedAt: new Date(numberOf(row.updated_at)),
});

/**
 * The catalog in the service's own database, through the current transaction. A new product is
 * inserted (its sku's unique index settles two admins creating one sku at once: the second gets
 * `SkuTakenError`), a loaded one updated at the version it was loaded at (`StaleAggregateError` when it
 * moved). Its events stay inside the context (the mapping gives none).
 */
export class TypeOrmProductRepository extends AggregateRepository<Product> implements ProductRepository {
  private readonly versions: StoredVersions<Product>;

  constructor(
    private readonly transactions: TransactionHost,
    outbox: EventOutbox,
  ) {
    super(transactions, outbox, orderIntegrationEvents);
    this.versions = new StoredVersions(transactions);
  }

  /** The product, its row locked on PostgreSQL until the transaction ends (an update reads what it changes). */
  async findBySku(sku: string): Promise<Product | null> {
    const { param, kind } = dialectOf(this.transactions.kind);
    const lock = kind === 'postgres' && this.transactions.currentTransaction ? ' FOR UPDATE' : '';
    const rows = await this.query<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM order_product WHERE sku = ${param(1)}${lock}`, [sku]);
    return rows.length === 0 ? null : this.restored(rows[0]!);
  }

  /** The products of these skus (any order; unknown skus are simply missing). Not locked: placing an order only reads prices. */
  async findBySkus(skus: readonly string[]): Promise<Product[]> {
    if (skus.length === 0) return [];
    const dialect = dialectOf(this.transactions.kind);
    const rows = await this.query<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM order_product WHERE sku IN ${inList(dialect, skus.length)}`, [...skus]);
    return rows.map((row) => this.restored(row));
  }

  protected async persist(product: Product): Promise<void> {
    const dialect = dialectOf(this.transactions.kind);
    const { param } = dialect;
    const state = product.toSnapshot();
    const stored = this.versions.of(product);
    if (stored === undefined) {
      try {
        await this.query(`INSERT INTO order_product (${PRODUCT_COLUMNS}) VALUES ${inList(dialect, 8)}`, [
          state.productId,
          state.sku,
          state.name,
          state.price,
          state.active,
          0,
          state.createdAt.getTime(),
          state.updatedAt.getTime(),
        ]);
      } catch (error) {
        if (isUniqueViolationOf(error, SKU_UNIQUE)) throw new SkuTakenError(state.sku);
        throw error;
      }
      this.versions.record(product, 0);
      return;
    }
    const updated = await this.query<{ version: string | number }>(
      `UPDATE order_product SET name = ${param(1)}, price = ${param(2)}, active = ${param(3)}, version = version + 1, updated_at = ${param(4)}
       WHERE product_id = ${param(5)} AND version = ${param(6)}
       RETURNING version`,
      [state.name, state.price, state.active, state.updatedAt.getTime(), state.productId, stored],
    );
    if (updated.length === 0) throw new StaleAggregateError('order_product', state.productId, stored);
    this.versions.record(product, numberOf(updated[0]!.version));
  }

  private restored(row: ProductRow): Product {
    const product = this.tracked(Product.restore(productSnapshotOf(row)));
    this.versions.record(product, numberOf(row.version));
    return product;
  }

  private async query<R = Record<string, unknown>>(sql: string, parameters: unknown[] = []): Promise<R[]> {
    return rowsOf<R>(await this.transactions.manager.query(sql, parameters));
  }
}
