import { Inject, Injectable } from '@nestjs/common';
import { newId, UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { SkuTakenError } from '../../../domain/order.errors.js';
import { Product } from '../../../domain/product.js';
import { ORDER_CLOCK, PRODUCT_REPOSITORY } from '../../order.di-tokens.js';
import { productViewOf, type ProductView } from '../../order.presenters.js';
import type { ProductRepository } from '../../ports/product.repository.js';
import type { CreateProductCommand } from './create-product.command.js';

/** An admin adds a product to the catalog; its sku is unique (SKU_TAKEN), also when two admins race (the store's index decides). */
@Injectable()
export class CreateProductHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(PRODUCT_REPOSITORY) private readonly products: ProductRepository,
    @Inject(ORDER_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: CreateProductCommand): Promise<ProductView> {
    const product = Product.create({ productId: newId(), ...command, at: this.clock.now() });
    return this.unitOfWork.run(async () => {
      if (await this.products.findBySku(product.sku)) throw new SkuTakenError(product.sku);
      await this.products.save(product);
      return productViewOf(product.toSnapshot());
    });
  }
}
