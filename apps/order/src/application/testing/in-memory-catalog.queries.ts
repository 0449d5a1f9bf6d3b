import { productViewOf } from '../order.presenters.js';
import type { CatalogPage, CatalogPageRequest, CatalogQueries } from '../ports/catalog.queries.js';
import type { InMemoryProductRepository } from './in-memory-product.repository.js';

/** The catalog's pages over the fake's stored rows, by sku. */
export class InMemoryCatalogQueries implements CatalogQueries {
  constructor(private readonly products: InMemoryProductRepository) {}

  async list(page: CatalogPageRequest): Promise<CatalogPage> {
    const rows = this.products
      .snapshots()
      .filter((row) => page.includeInactive || row.active)
      .filter((row) => page.after === null || row.sku > page.after)
      .sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
    const shown = rows.slice(0, page.limit);
    return { products: shown.map(productViewOf), next: rows.length > page.limit ? (shown.at(-1)?.sku ?? null) : null };
  }
}
