import { AggregateRoot, assertDisplayText, assertUuid, InvalidValueError } from '@shop/shared-kernel';
import type { ProductEvent } from './order.events.js';
import { Sku } from './sku.js';

/** A product's price bounds, in fen: at least one fen, at most a million yuan. */
export const MIN_PRICE = 1;
export const MAX_PRICE = 100_000_000;
export const MAX_NAME_LENGTH = 200;

export interface ProductSnapshot {
  readonly productId: string;
  readonly sku: string;
  readonly name: string;
  readonly price: number;
  readonly active: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface ProductChanges {
  readonly name?: string;
  readonly price?: number;
  readonly active?: boolean;
}

function checkedName(name: unknown): string {
  if (typeof name !== 'string') throw new InvalidValueError('name', 'must be text');
  assertDisplayText('name', name);
  const trimmed = name.trim();
  // Characters as the contract's maxLength counts them: code points, so '🍵' is one, not two UTF-16 units.
  const characters = [...trimmed].length;
  if (characters === 0 || characters > MAX_NAME_LENGTH) throw new InvalidValueError('name', `must be 1–${MAX_NAME_LENGTH} characters`);
  return trimmed;
}

function checkedPrice(price: unknown): number {
  if (typeof price !== 'number' || !Number.isSafeInteger(price) || price < MIN_PRICE || price > MAX_PRICE)
    throw new InvalidValueError('price', `must be a whole number of fen ${MIN_PRICE}–${MAX_PRICE}, got ${String(price)}`);
  return price;
}

/**
 * A product of the catalog (sku, name, price in fen, active flag); admins manage it. An order copies
 * its name and price when placed, so a later change never reprices an order. Inactive products stay
 * (old orders name them) but are neither listed to customers nor sold.
 */
export class Product extends AggregateRoot<ProductEvent> {
  private state: ProductSnapshot;

  private constructor(snapshot: ProductSnapshot) {
    super();
    this.state = snapshot;
  }

  static create(fields: { productId: string; sku: string; name: string; price: number; active?: boolean; at: Date }): Product {
    const product = new Product({
      productId: assertUuid('productId', fields.productId),
      sku: Sku.of(fields.sku).value,
      name: checkedName(fields.name),
      price: checkedPrice(fields.price),
      active: fields.active ?? true,
      createdAt: fields.at,
      updatedAt: fields.at,
    });
    product.record({ type: 'ProductCreated', aggregateId: product.id, occurredAt: fields.at, product: product.toSnapshot() });
    return product;
  }

  static restore(snapshot: ProductSnapshot): Product {
    return new Product(snapshot);
  }

  /** Changes what is given (at least one field); a change to the same values is still a change (its time moves). */
  update(changes: ProductChanges, at: Date): void {
    if (changes.name === undefined && changes.price === undefined && changes.active === undefined)
      throw new InvalidValueError('product', 'an update changes at least one of name, price or active');
    const next: ProductSnapshot = {
      ...this.state,
      ...(changes.name !== undefined && { name: checkedName(changes.name) }),
      ...(changes.price !== undefined && { price: checkedPrice(changes.price) }),
      ...(changes.active !== undefined && { active: changes.active }),
      updatedAt: at,
    };
    this.state = next;
    this.record({ type: 'ProductUpdated', aggregateId: this.id, occurredAt: at, product: this.toSnapshot() });
  }

  get id(): string {
    return this.state.productId;
  }
  get productId(): string {
    return this.state.productId;
  }
  get sku(): string {
    return this.state.sku;
  }
  get name(): string {
    return this.state.name;
  }
  get price(): number {
    return this.state.price;
  }
  get active(): boolean {
    return this.state.active;
  }

  toSnapshot(): ProductSnapshot {
    return { ...this.state };
  }
}
