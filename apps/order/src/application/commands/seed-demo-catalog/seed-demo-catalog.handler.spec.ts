import { beforeEach, describe, expect, it } from 'vitest';
import { orderApplicationFixture, type OrderApplicationFixture } from '../../testing/order-application.fixture.js';
import { DEMO_CATALOG } from './seed-demo-catalog.handler.js';

describe('SeedDemoCatalogHandler', () => {
  let f: OrderApplicationFixture;
  beforeEach(() => {
    f = orderApplicationFixture();
  });

  it('seeds the demo catalog, active, on the first run', async () => {
    expect(DEMO_CATALOG.length).toBeGreaterThanOrEqual(5);
    expect(await f.handlers.seedDemoCatalog.execute()).toEqual({ seeded: true, products: DEMO_CATALOG.length });
    const { products } = await f.handlers.listProducts.execute({ includeInactive: false, cursor: null });
    expect(products.map((p) => [p.sku, p.name, p.price]).sort()).toEqual(DEMO_CATALOG.map((d) => [d.sku, d.name, d.price]).sort());
  });

  it('never seeds again, even after an admin changed or deactivated a demo product', async () => {
    await f.handlers.seedDemoCatalog.execute();
    const sku = DEMO_CATALOG[0]!.sku;
    await f.handlers.updateProduct.execute({ sku, price: 1, active: false });
    expect(await f.handlers.seedDemoCatalog.execute()).toEqual({ seeded: false, products: 0 });
    expect(f.products.snapshots().find((p) => p.sku === sku)).toMatchObject({ price: 1, active: false });
    expect(f.products.snapshots()).toHaveLength(DEMO_CATALOG.length);
  });

  it('leaves a demo sku an admin created first as it is', async () => {
    const sku = DEMO_CATALOG[1]!.sku;
    await f.handlers.createProduct.execute({ sku, name: 'Ours', price: 7 });
    expect(await f.handlers.seedDemoCatalog.execute()).toEqual({ seeded: true, products: DEMO_CATALOG.length - 1 });
    expect(f.products.snapshots().find((p) => p.sku === sku)).toMatchObject({ name: 'Ours', price: 7 });
  });

  it('claims nothing when the seeding fails: the next start seeds', async () => {
    f.givenProducts({ sku: 'X', price: 1 });
    const save = f.products.save.bind(f.products);
    let calls = 0;
    f.products.save = async (product) => {
      if (++calls === 3) throw new Error('disk full');
      return save(product);
    };
    await expect(f.handlers.seedDemoCatalog.execute()).rejects.toThrow('disk full');
    expect(f.products.snapshots().map((p) => p.sku)).toEqual(['X']);
    f.products.save = save;
    expect(await f.handlers.seedDemoCatalog.execute()).toEqual({ seeded: true, products: DEMO_CATALOG.length });
  });
});
