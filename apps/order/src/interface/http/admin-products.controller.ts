import { Body, Controller, Get, Header, HttpCode, HttpStatus, Param, Patch, Post, Query, Res } from '@nestjs/common';
import {
  CreateProductRequest,
  PRODUCT_LIST_LIMIT,
  ProductListQuery,
  Sku,
  Type,
  UpdateProductRequest,
  type ProductList,
  type ProductResponse,
  type Static,
} from '@shop/contracts';
import { RequiresRole, SchemaPipe, setNextPageHeaders } from '@shop/http';
import type { FastifyReply } from 'fastify';
import { CreateProductHandler } from '../../application/commands/create-product/create-product.handler.js';
import { UpdateProductHandler } from '../../application/commands/update-product/update-product.handler.js';
import { ListProductsHandler } from '../../application/queries/list-products/list-products.handler.js';

/** The `{sku}` of a route path, spelt as the contract's `Sku` (upper case only): anything else is 400 naming `sku`. */
const SkuParams = Type.Object({ sku: Sku }, { additionalProperties: false });
type SkuParams = Static<typeof SkuParams>;

/**
 * The catalog, for admins: create, update (price, name, active) and list every product, inactive ones
 * too. The gateway lets only admins through; the role is checked here again (403 `FORBIDDEN`) so that a
 * mistake in the route table cannot open these routes to customers.
 */
@Controller('admin/products')
@RequiresRole('admin')
export class AdminProductsController {
  constructor(
    private readonly createProduct: CreateProductHandler,
    private readonly updateProduct: UpdateProductHandler,
    private readonly listProducts: ListProductsHandler,
  ) {}

  /** 409 `SKU_TAKEN` for a sku that exists (active or not): a retried create cannot make a second product. */
  @Post()
  @HttpCode(HttpStatus.CREATED)
  create(@Body(new SchemaPipe(CreateProductRequest)) body: CreateProductRequest): Promise<ProductResponse> {
    return this.createProduct.execute({
      sku: body.sku,
      name: body.name,
      price: body.price,
      ...(body.active === undefined ? {} : { active: body.active }),
    });
  }

  /** Only the fields given change; a new price applies to orders placed from then on (placed orders keep theirs). */
  @Patch(':sku')
  @HttpCode(HttpStatus.OK)
  update(
    @Param(new SchemaPipe(SkuParams)) params: SkuParams,
    @Body(new SchemaPipe(UpdateProductRequest)) body: UpdateProductRequest,
  ): Promise<ProductResponse> {
    return this.updateProduct.execute({
      sku: params.sku,
      ...(body.name === undefined ? {} : { name: body.name }),
      ...(body.price === undefined ? {} : { price: body.price }),
      ...(body.active === undefined ? {} : { active: body.active }),
    });
  }

  @Get()
  @Header('Cache-Control', 'no-store')
  async list(@Query(new SchemaPipe(ProductListQuery)) query: ProductListQuery, @Res({ passthrough: true }) reply: FastifyReply): Promise<ProductList> {
    const limit = query.limit === undefined ? PRODUCT_LIST_LIMIT.default : Number(query.limit);
    const page = await this.listProducts.execute({ includeInactive: true, cursor: query.cursor ?? null, limit });
    setNextPageHeaders(reply, page.nextCursor, limit);
    return page.products;
  }
}
