import { dialectOf, rowsOf, type TransactionHost } from '@shop/persistence';
import { productViewOf } from '../../application/order.presenters.js';
import type { CatalogPage, CatalogPageRequest, CatalogQueries } from '../../application/ports/catalog.queries.js';
import { PRODUCT_COLUMNS, productSnapshotOf, type ProductRow } from './typeorm-product.repository.js';

/**
 * The catalog's pages by sku, straight from `order_product` (on its unique sku index), one statement
 * each, through `TransactionHost.read`. Customers see active products only, admins every one.
 */
export class SqlCatalogQueries implements CatalogQueries {
  constructor(private readonly transactions: TransactionHost) {}

  async list(page: CatalogPageRequest): Promise<CatalogPage> {
    const { param } = dialectOf(this.transactions.kind);
    const conditions: string[] = [];
    const parameters: unknown[] = [];
    if (!page.includeInactive) conditions.push('active = TRUE');
    if (page.after !== null) {
      parameters.push(page.after);
      conditions.push(`sku > ${param(parameters.length)}`);
    }
    const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
    const limit = Math.trunc(page.limit);
    const rows = rowsOf<ProductRow>(
      await this.transactions.read(() =>
        this.transactions.manager.query(`SELECT ${PRODUCT_COLUMNS} FROM order_product${where} ORDER BY sku LIMIT ${limit + 1}`, parameters),
      ),
    );
    const products = rows.slice(0, limit).map((row) => productViewOf(productSnapshotOf(row)));
    return { products, next: rows.length > limit ? (products.at(-1)?.sku ?? null) : null };
  }
}
