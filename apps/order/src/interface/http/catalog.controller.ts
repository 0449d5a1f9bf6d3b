import { Controller, Get, Header, Query, Res } from '@nestjs/common';
import { PRODUCT_LIST_LIMIT, ProductListQuery, type ProductList } from '@shop/contracts';
import { RequiresUser, SchemaPipe, setNextPageHeaders } from '@shop/http';
import type { FastifyReply } from 'fastify';
import { ListProductsHandler } from '../../application/queries/list-products/list-products.handler.js';

/** `GET /products?cursor=&limit=`: what a signed-in customer can order, active products only, by sku. */
@Controller('products')
@RequiresUser()
export class CatalogController {
  constructor(private readonly listProducts: ListProductsHandler) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async list(@Query(new SchemaPipe(ProductListQuery)) query: ProductListQuery, @Res({ passthrough: true }) reply: FastifyReply): Promise<ProductList> {
    // The schema admits only a decimal 1–100 and the cursor's alphabet; the use case decodes the cursor (400 INVALID_CURSOR).
    const limit = query.limit === undefined ? PRODUCT_LIST_LIMIT.default : Number(query.limit);
    const page = await this.listProducts.execute({ includeInactive: false, cursor: query.cursor ?? null, limit });
    setNextPageHeaders(reply, page.nextCursor, limit);
    return page.products;
  }
}
