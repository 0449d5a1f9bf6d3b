import type { EventOutbox } from '@shop/shared-kernel';
import { InMemoryAggregateRepository, type InMemoryUnitOfWork } from '@shop/testing';
import { SkuTakenError } from '../../domain/order.errors.js';
import { Product, type ProductSnapshot } from '../../domain/product.js';
import { orderIntegrationEvents } from '../order.integration-events.js';
import type { ProductRepository } from '../ports/product.repository.js';

/** The catalog in memory, keyed by product id; a second product with a taken sku fails the save, as the unique index does. */
export class InMemoryProductRepository extends InMemoryAggregateRepository<Product, ProductSnapshot> implements ProductRepository {
  constructor(unitOfWork: InMemoryUnitOfWork, outbox: EventOutbox) {
    super(unitOfWork, outbox, orderIntegrationEvents, { toRow: (product) => product.toSnapshot(), fromRow: (row) => Product.restore(row) });
  }

  async findBySku(sku: string): Promise<Product | null> {
    const row = this.rowWithSku(sku);
    return row ? this.findById(row.productId) : null;
  }

  async findBySkus(skus: readonly string[]): Promise<Product[]> {
    const found = await Promise.all([...new Set(skus)].map((sku) => this.findBySku(sku)));
    return found.filter((product): product is Product => product !== null);
  }

  snapshots(): ProductSnapshot[] {
    return [...this.rows.values()];
  }

  protected override async persist(product: Product): Promise<void> {
    const holder = this.rowWithSku(product.sku);
    if (holder && holder.productId !== product.id) throw new SkuTakenError(product.sku);
    await super.persist(product);
  }

  private rowWithSku(sku: string): ProductSnapshot | undefined {
    return [...this.rows.values()].find((row) => row.sku === sku);
  }
}
