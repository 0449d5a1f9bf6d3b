import { Inject, Injectable } from '@nestjs/common';
import { UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { ProductNotFoundError } from '../../../domain/order.errors.js';
import { Sku } from '../../../domain/sku.js';
import { ORDER_CLOCK, PRODUCT_REPOSITORY } from '../../order.di-tokens.js';
import { productViewOf, type ProductView } from '../../order.presenters.js';
import type { ProductRepository } from '../../ports/product.repository.js';
import type { UpdateProductCommand } from './update-product.command.js';

/**
 * An admin changes a product's name, price or active flag. Orders placed before keep the name and
 * price they were placed with; a deactivated product is no longer listed or sold.
 */
@Injectable()
export class UpdateProductHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(PRODUCT_REPOSITORY) private readonly products: ProductRepository,
    @Inject(ORDER_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: UpdateProductCommand): Promise<ProductView> {
    const { sku, ...changes } = command;
    const wanted = Sku.of(sku).value;
    return this.unitOfWork.run(async () => {
      const product = await this.products.findBySku(wanted);
      if (!product) throw new ProductNotFoundError(wanted);
      product.update(changes, this.clock.now());
      await this.products.save(product);
      return productViewOf(product.toSnapshot());
    });
  }
}
