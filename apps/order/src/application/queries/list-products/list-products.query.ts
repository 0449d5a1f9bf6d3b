import type { ProductView } from '../../order.presenters.js';

export interface ListProductsQuery {
  /** True for the admin's list (inactive products too); customers see active ones only. */
  readonly includeInactive: boolean;
  /** The `nextCursor` of the page before; null for the first page. */
  readonly cursor: string | null;
  /** 1–100 (`PRODUCT_LIST_LIMIT`), default 50. */
  readonly limit?: number;
}

export interface ListProductsResult {
  /** By sku, ascending. */
  readonly products: ProductView[];
  readonly nextCursor: string | null;
}
