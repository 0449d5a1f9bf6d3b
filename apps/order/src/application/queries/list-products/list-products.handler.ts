import { Inject, Injectable } from '@nestjs/common';
import { PRODUCT_LIST_LIMIT } from '@shop/contracts';
import { pageLimit } from '@shop/shared-kernel';
import { CATALOG_QUERIES } from '../../order.di-tokens.js';
import type { CatalogQueries } from '../../ports/catalog.queries.js';
import { decodeProductCursor, encodeProductCursor } from '../page-cursors.js';
import type { ListProductsQuery, ListProductsResult } from './list-products.query.js';

/** The catalog by sku, a page at a time: active products for customers, every one for admins. */
@Injectable()
export class ListProductsHandler {
  constructor(@Inject(CATALOG_QUERIES) private readonly queries: CatalogQueries) {}

  async execute(query: ListProductsQuery): Promise<ListProductsResult> {
    const limit = pageLimit(query.limit, PRODUCT_LIST_LIMIT);
    const after = query.cursor === null ? null : decodeProductCursor(query.cursor);
    const page = await this.queries.list({ includeInactive: query.includeInactive, after, limit });
    return { products: page.products, nextCursor: page.next === null ? null : encodeProductCursor(page.next) };
  }
}
