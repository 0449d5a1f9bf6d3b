import { InvalidValueError, Money } from '@shop/shared-kernel';
import { checkedQuantity } from './order-items.js';
import { MAX_PRICE } from './product.js';
import { Sku } from './sku.js';

/** One line of an order as stored and shown: the product's name and price when the order was placed. */
export interface OrderLineSnapshot {
  readonly sku: string;
  readonly name: string;
  readonly quantity: number;
  readonly unitPrice: number;
  readonly lineTotal: number;
}

/**
 * A line priced from the catalog, never by the client: `lineTotal = unitPrice × quantity` in whole fen
 * (at most 99 × 10^8, well inside exact integers).
 */
export class OrderLine {
  private constructor(
    readonly sku: Sku,
    readonly name: string,
    readonly quantity: number,
    readonly unitPrice: Money,
  ) {}

  static of(fields: { sku: string; name: string; quantity: number; unitPrice: number }): OrderLine {
    const { unitPrice } = fields;
    const quantity = checkedQuantity(fields.quantity);
    if (!Number.isSafeInteger(unitPrice) || unitPrice < 1 || unitPrice > MAX_PRICE)
      throw new InvalidValueError('unitPrice', `must be a whole number of fen 1–${MAX_PRICE}, got ${unitPrice}`);
    if (typeof fields.name !== 'string' || fields.name.length === 0) throw new InvalidValueError('name', 'must not be empty');
    return new OrderLine(Sku.of(fields.sku), fields.name, quantity, Money.ofMinor(unitPrice));
  }

  get lineTotal(): Money {
    return this.unitPrice.times(this.quantity);
  }

  toSnapshot(): OrderLineSnapshot {
    return { sku: this.sku.value, name: this.name, quantity: this.quantity, unitPrice: this.unitPrice.minor, lineTotal: this.lineTotal.minor };
  }
}
