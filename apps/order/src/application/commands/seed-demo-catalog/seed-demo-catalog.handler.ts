import { Inject, Injectable } from '@nestjs/common';
import { newId, UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { Product } from '../../../domain/product.js';
import { CATALOG_SEED, ORDER_CLOCK, PRODUCT_REPOSITORY } from '../../order.di-tokens.js';
import type { CatalogSeed } from '../../ports/catalog-seed.js';
import type { ProductRepository } from '../../ports/product.repository.js';
import type { SeedDemoCatalogResult } from './seed-demo-catalog.command.js';

/** The small catalog the embedded mode starts with, so a new platform has something to order (prices in fen). */
export const DEMO_CATALOG: ReadonlyArray<{ readonly sku: string; readonly name: string; readonly price: number }> = [
  { sku: 'TEA-LONGJING-100G', name: 'Longjing green tea, 100 g', price: 8_800 },
  { sku: 'TEA-PUER-357G', name: 'Pu’er tea cake, 357 g', price: 16_800 },
  { sku: 'MUG-CERAMIC', name: 'Ceramic mug', price: 3_900 },
  { sku: 'TEAPOT-YIXING', name: 'Yixing clay teapot', price: 26_800 },
  { sku: 'CHOPSTICKS-BAMBOO-5P', name: 'Bamboo chopsticks, 5 pairs', price: 1_500 },
  { sku: 'NOTEBOOK-A5', name: 'A5 notebook', price: 2_200 },
];

const SEED_NAME = 'demo-catalog';

/**
 * Seeds the demo catalog once per database, ever: the claim and the products commit together, so
 * instances starting at once seed it once, and a restart after an admin changed or deactivated a demo
 * product puts nothing back. A demo sku an admin created first is left as it is.
 */
@Injectable()
export class SeedDemoCatalogHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(PRODUCT_REPOSITORY) private readonly products: ProductRepository,
    @Inject(CATALOG_SEED) private readonly seed: CatalogSeed,
    @Inject(ORDER_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(): Promise<SeedDemoCatalogResult> {
    return this.unitOfWork.run(async () => {
      const at = this.clock.now();
      if (!(await this.seed.claim(SEED_NAME, at))) return { seeded: false, products: 0 };
      let created = 0;
      for (const demo of DEMO_CATALOG) {
        if (await this.products.findBySku(demo.sku)) continue;
        await this.products.save(Product.create({ productId: newId(), ...demo, active: true, at }));
        created++;
      }
      return { seeded: true, products: created };
    });
  }
}
