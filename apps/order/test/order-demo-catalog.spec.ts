import { Cleanups } from '@shop/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { OrderServiceHome, SETUPS, aCustomer, testOrderConfig } from './support/order-service-harness.js';

const DEMO_ON = testOrderConfig({ ORDER_DEMO_CATALOG: 'true' });

describe.each(SETUPS)('the demo catalog on %s', (setup) => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  it('is seeded on the first start only: what an admin changed or deactivated since is not put back by a restart', async () => {
    const home = await OrderServiceHome.create(setup, cleanups);
    const first = await home.start(DEMO_ON);
    const seeded = await first.api.allProducts();
    expect(seeded.length).toBeGreaterThanOrEqual(5);
    expect(seeded.every((product) => product.active)).toBe(true);
    expect(seeded.map((product) => product.sku)).toEqual([...seeded.map((product) => product.sku)].sort());
    // A customer sees them too, and can order one at its catalog price.
    const listed = (await (await first.api.listProducts(aCustomer(), '?limit=100')).json()) as Array<{ sku: string }>;
    expect(listed.map((product) => product.sku)).toEqual(seeded.map((product) => product.sku));

    const [gone, repriced] = seeded as [(typeof seeded)[number], (typeof seeded)[number]];
    await first.api.changeProduct(gone.sku, { active: false });
    await first.api.changeProduct(repriced.sku, { price: repriced.price + 1, name: 'Renamed by an admin' });
    const changed = await first.api.allProducts();
    await first.close();

    const second = await home.start(DEMO_ON);
    expect(await second.api.allProducts()).toEqual(changed);
    expect(await home.count('order_product')).toBe(seeded.length);
    expect(await home.count('order_catalog_seed')).toBe(1);
    const listedAgain = (await (await second.api.listProducts(aCustomer(), '?limit=100')).json()) as Array<{ sku: string }>;
    expect(listedAgain.map((product) => product.sku)).not.toContain(gone.sku);
  });

  it('is not seeded when ORDER_DEMO_CATALOG is off (the default), and seeded at the first start that turns it on', async () => {
    const home = await OrderServiceHome.create(setup, cleanups);
    const off = await home.start(testOrderConfig());
    expect(await off.api.allProducts()).toEqual([]);
    expect(await home.count('order_catalog_seed')).toBe(0);
    await off.close();
    const explicitlyOff = await home.start(testOrderConfig({ ORDER_DEMO_CATALOG: 'false' }));
    expect(await explicitlyOff.api.allProducts()).toEqual([]);
    await explicitlyOff.close();

    const on = await home.start(DEMO_ON);
    expect((await on.api.allProducts()).length).toBeGreaterThanOrEqual(5);
  });

  it('leaves a product an admin created before the first seeding as the admin made it', async () => {
    const home = await OrderServiceHome.create(setup, cleanups);
    const off = await home.start(testOrderConfig());
    // Takes a sku of the demo catalog (found on another home's first start, below) before any seeding.
    const probeHome = await OrderServiceHome.create(setup, cleanups);
    const demo = await (await probeHome.start(DEMO_ON)).api.allProducts();
    const taken = await off.api.addProduct({ sku: demo[0]!.sku, name: 'The admin’s own', price: 1 });
    await off.close();

    const on = await home.start(DEMO_ON);
    const products = await on.api.allProducts();
    expect(products.find((product) => product.sku === taken.sku)).toEqual(taken);
    expect(products).toHaveLength(demo.length);
  });
});
