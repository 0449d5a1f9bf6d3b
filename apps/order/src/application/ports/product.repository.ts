import type { Product } from '../../domain/product.js';

/** Where the catalog's products live. Joins the transaction of the unit of work it is called in. */
export interface ProductRepository {
  findBySku(sku: string): Promise<Product | null>;
  /** The products with these skus, active or not, in any order (unknown skus are simply absent). */
  findBySkus(skus: readonly string[]): Promise<Product[]>;
  /** Adds or updates the product; adding one whose sku is taken throws `SkuTakenError` (the unique index decides a race). */
  save(product: Product): Promise<void>;
}
