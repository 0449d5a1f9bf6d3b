// AggregateRepository (@shop/shared-kernel) on the in-memory fakes every context's unit tests use.
// The same behaviour on SQLite and PostgreSQL: apps/user/test/typeorm-user.repository.spec.ts.
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AggregateRoot,
  UnmappedDomainEventError,
  UnsavedDomainEventsError,
  unmappedDomainEvent,
  type DomainEvent,
  type IntegrationEventMapping,
  type OutgoingEvent,
} from '@shop/shared-kernel';
import { InMemoryAggregateRepository } from './in-memory-aggregate-repository.js';
import { InMemoryEventOutbox } from './in-memory-event-outbox.js';
import { InMemoryUnitOfWork } from './in-memory-unit-of-work.js';

// A context with two aggregate types and one mapping covering both.
interface CartOpened extends DomainEvent {
  readonly type: 'CartOpened';
}
interface ItemAdded extends DomainEvent {
  readonly type: 'ItemAdded';
  readonly sku: string;
}
interface PriceChanged extends DomainEvent {
  readonly type: 'PriceChanged';
  readonly price: number;
}
type CartEvent = CartOpened | ItemAdded;
type ShopEvent = CartEvent | PriceChanged;

class Cart extends AggregateRoot<CartEvent> {
  private constructor(
    readonly id: string,
    readonly items: string[],
  ) {
    super();
  }
  static open(id: string): Cart {
    const cart = new Cart(id, []);
    cart.record({ type: 'CartOpened', aggregateId: id, occurredAt: new Date(0) });
    return cart;
  }
  static restore(row: { id: string; items: string[] }): Cart {
    return new Cart(row.id, [...row.items]);
  }
  add(sku: string): void {
    this.items.push(sku);
    this.record({ type: 'ItemAdded', aggregateId: this.id, occurredAt: new Date(0), sku });
  }
}

class Product extends AggregateRoot<PriceChanged> {
  constructor(
    readonly id: string,
    public price: number,
  ) {
    super();
  }
  reprice(price: number): void {
    this.price = price;
    this.record({ type: 'PriceChanged', aggregateId: this.id, occurredAt: new Date(0), price });
  }
}

const shopIntegrationEvents: IntegrationEventMapping<ShopEvent> = (event) => {
  switch (event.type) {
    case 'CartOpened':
      return [{ type: 'cart.opened.v1', aggregateId: event.aggregateId, payload: {} }];
    case 'ItemAdded':
      return []; // stays inside the context
    case 'PriceChanged':
      return [{ type: 'product.repriced.v1', aggregateId: event.aggregateId, payload: { price: event.price } }];
    default:
      return unmappedDomainEvent(event);
  }
};

// A new domain event type without its case does not compile: `event` is not `never` in the default.
const incomplete: IntegrationEventMapping<ShopEvent> = (event) => {
  switch (event.type) {
    case 'CartOpened':
    case 'ItemAdded':
      return [];
    default:
      // @ts-expect-error PriceChanged has no case
      return unmappedDomainEvent(event);
  }
};

class InMemoryCartRepository extends InMemoryAggregateRepository<Cart, { id: string; items: string[] }> {
  constructor(unitOfWork: InMemoryUnitOfWork, outbox: InMemoryEventOutbox) {
    super(unitOfWork, outbox, shopIntegrationEvents, { toRow: (cart) => ({ id: cart.id, items: [...cart.items] }), fromRow: (row) => Cart.restore(row) });
  }
}

class InMemoryProductRepository extends InMemoryAggregateRepository<Product, { id: string; price: number }> {
  constructor(unitOfWork: InMemoryUnitOfWork, outbox: InMemoryEventOutbox) {
    super(unitOfWork, outbox, shopIntegrationEvents, { toRow: (p) => ({ id: p.id, price: p.price }), fromRow: (row) => new Product(row.id, row.price) });
  }
}

describe('AggregateRepository on the in-memory unit of work and outbox', () => {
  let unitOfWork: InMemoryUnitOfWork;
  let outbox: InMemoryEventOutbox;
  let carts: InMemoryCartRepository;
  let products: InMemoryProductRepository;
  beforeEach(() => {
    unitOfWork = new InMemoryUnitOfWork();
    outbox = new InMemoryEventOutbox(unitOfWork);
    carts = new InMemoryCartRepository(unitOfWork, outbox);
    products = new InMemoryProductRepository(unitOfWork, outbox);
  });
  const types = (events: readonly OutgoingEvent[]) => events.map((event) => `${event.type} ${event.aggregateId}`);

  it("saving writes the aggregate's events through the context's one mapping, for every aggregate type, in the use case's unit of work", async () => {
    const cart = Cart.open('c-1');
    cart.add('sku-1');
    const product = new Product('p-1', 100);
    product.reprice(90);
    await unitOfWork.run(async () => {
      await carts.save(cart);
      await products.save(product);
    });

    expect(unitOfWork.runs).toBe(1);
    expect(types(outbox.events)).toEqual(['cart.opened.v1 c-1', 'product.repriced.v1 p-1']);
    expect(cart.peekDomainEvents()).toEqual([]);
    expect((await carts.findById('c-1'))?.items).toEqual(['sku-1']);
  });

  it('writes nothing for an event that maps to no integration event, and still saves the change', async () => {
    carts.insert(Cart.restore({ id: 'c-1', items: [] }));
    const cart = (await carts.findById('c-1'))!;
    cart.add('sku-1');
    await unitOfWork.run(() => carts.save(cart));

    expect(outbox.events).toEqual([]);
    expect((await carts.findById('c-1'))?.items).toEqual(['sku-1']);
  });

  it('opens a unit of work of its own when saved outside one', async () => {
    await carts.save(Cart.open('c-1'));
    expect(unitOfWork.commits).toBe(1);
    expect(types(outbox.events)).toEqual(['cart.opened.v1 c-1']);
  });

  it('refuses to commit while a saved aggregate holds events recorded after its save, and rolls everything back', async () => {
    const cart = Cart.open('c-1');
    const error = await unitOfWork
      .run(async () => {
        await carts.save(cart);
        cart.add('sku-1'); // never saved again
      })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnsavedDomainEventsError);
    expect(error).toMatchObject({ aggregate: 'Cart', aggregateId: 'c-1', eventTypes: ['ItemAdded'] });
    expect(carts.all()).toEqual([]);
    expect(outbox.events).toEqual([]);
    expect(unitOfWork.commits).toBe(0);
  });

  it('refuses to commit when an aggregate a look-up handed out in the transaction was changed and never saved', async () => {
    carts.insert(Cart.restore({ id: 'c-1', items: [] }));
    products.insert(new Product('p-1', 100));
    const error = await unitOfWork
      .run(async () => {
        (await carts.findById('c-1'))!.add('sku-1'); // the save is forgotten
        const product = (await products.findById('p-1'))!;
        product.reprice(90);
        await products.save(product);
      })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'UnsavedDomainEventsError', aggregate: 'Cart', eventTypes: ['ItemAdded'] });
    expect((await products.findById('p-1'))?.price).toBe(100);
    expect(outbox.events).toEqual([]);
  });

  it('lets a look-up outside any unit of work go untracked (nothing can be committed by mistake there)', async () => {
    carts.insert(Cart.restore({ id: 'c-1', items: [] }));
    (await carts.findById('c-1'))!.add('sku-1');
    await unitOfWork.run(async () => undefined);
    expect(unitOfWork.commits).toBe(1);
  });

  it('commits when the aggregate is saved again after the later change', async () => {
    const cart = Cart.open('c-1');
    await unitOfWork.run(async () => {
      await carts.save(cart);
      cart.add('sku-1');
      await carts.save(cart);
    });
    expect((await carts.findById('c-1'))?.items).toEqual(['sku-1']);
  });

  it('rolls the aggregate back when its events cannot be written, and leaves them pending on it', async () => {
    const cart = Cart.open('c-1');
    outbox.failNext = new Error('outbox unavailable');
    await expect(carts.save(cart)).rejects.toThrow('outbox unavailable');
    expect(carts.all()).toEqual([]);
    expect(cart.peekDomainEvents().map((event) => event.type)).toEqual(['CartOpened']);

    await carts.save(cart); // saving again after the failure writes them, once
    expect(types(outbox.events)).toEqual(['cart.opened.v1 c-1']);
    expect(cart.peekDomainEvents()).toEqual([]);
  });

  it('writes the events exactly once when the unit of work runs its work again after a rollback (a deadlock retry)', async () => {
    const cart = Cart.open('c-1'); // created outside the work, as a retried transaction sees it
    let attempt = 0;
    const work = async () => {
      await carts.save(cart);
      if (++attempt === 1) throw Object.assign(new Error('could not serialize access'), { code: '40001' });
    };
    await expect(unitOfWork.run(work)).rejects.toThrow('could not serialize');
    expect(cart.peekDomainEvents().map((event) => event.type)).toEqual(['CartOpened']);
    await unitOfWork.run(work);

    expect(carts.all().map((stored) => stored.id)).toEqual(['c-1']);
    expect(types(outbox.events)).toEqual(['cart.opened.v1 c-1']);
    expect(cart.peekDomainEvents()).toEqual([]);
  });

  it('fails the commit loudly when the use case catches the error of a save whose events could not be written', async () => {
    const cart = Cart.open('c-1');
    outbox.failNext = new Error('payload too large');
    const error = await unitOfWork
      .run(async () => {
        await carts.save(cart).catch(() => undefined); // the use case "handles" it and carries on
      })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'UnsavedDomainEventsError', aggregate: 'Cart', aggregateId: 'c-1', eventTypes: ['CartOpened'] });
    expect(unitOfWork.commits).toBe(0);
    expect(carts.all()).toEqual([]);
    expect(cart.peekDomainEvents().map((event) => event.type)).toEqual(['CartOpened']);
  });

  it('writes only the events recorded since the last save when saved twice in one transaction', async () => {
    const cart = Cart.open('c-1');
    const product = new Product('p-1', 100);
    await unitOfWork.run(async () => {
      await carts.save(cart);
      product.reprice(90);
      await products.save(product);
      product.reprice(80);
      await products.save(product);
    });
    expect(types(outbox.events)).toEqual(['cart.opened.v1 c-1', 'product.repriced.v1 p-1', 'product.repriced.v1 p-1']);
    expect(outbox.events.map((event) => event.payload)).toEqual([{}, { price: 90 }, { price: 80 }]);
    expect(product.peekDomainEvents()).toEqual([]);
  });

  it('gives concurrent runs a transaction each: one failing rolls back only its own saves', async () => {
    let releaseSlow!: () => void;
    const slowMayFail = new Promise<void>((resolve) => (releaseSlow = resolve));
    const slow = unitOfWork.run(async () => {
      await carts.save(Cart.open('c-slow'));
      await slowMayFail;
      throw new Error('the slow use case failed');
    });
    const fast = unitOfWork.run(async () => {
      expect(carts.all()).toEqual([]); // never sees the other run's uncommitted save
      await carts.save(Cart.open('c-fast'));
    });
    releaseSlow();

    await expect(slow).rejects.toThrow('the slow use case failed');
    await fast;
    expect(unitOfWork.runs).toBe(2);
    expect(unitOfWork.commits).toBe(1);
    expect(carts.all().map((stored) => stored.id)).toEqual(['c-fast']);
    expect(types(outbox.events)).toEqual(['cart.opened.v1 c-fast']);
  });

  it('keeps the events of an aggregate pending when another concurrent run fails', async () => {
    const kept = Cart.open('c-kept');
    const failing = unitOfWork.run(async () => {
      await carts.save(Cart.open('c-lost'));
      throw new Error('failed');
    });
    const saving = carts.save(kept);
    await expect(failing).rejects.toThrow('failed');
    await saving;
    expect(types(outbox.events)).toEqual(['cart.opened.v1 c-kept']);
    expect(kept.peekDomainEvents()).toEqual([]);
  });

  it('fails loudly when an event no case covers reaches a mapping (possible only past the type checker)', async () => {
    const stray = { type: 'CartAbandoned', aggregateId: 'c-1', occurredAt: new Date(0) } as unknown as ShopEvent;
    expect(() => shopIntegrationEvents(stray)).toThrow(UnmappedDomainEventError);
    expect(() => incomplete({ type: 'PriceChanged', aggregateId: 'p-1', occurredAt: new Date(0), price: 1 })).toThrow(/PriceChanged/);
  });
});
