import type { ProductView } from '../order.presenters.js';

export interface CatalogPageRequest {
  /** Admins see inactive products too; customers only active ones. */
  readonly includeInactive: boolean;
  /** Only products with a sku after this one; null for the first page. */
  readonly after: string | null;
  readonly limit: number;
}

export interface CatalogPage {
  /** By sku, ascending, at most `limit`. */
  readonly products: ProductView[];
  /** The last sku of this page when more follow; null on the last page. */
  readonly next: string | null;
}

/** The catalog's read side. */
export interface CatalogQueries {
  list(page: CatalogPageRequest): Promise<CatalogPage>;
}
