import { InvalidValueError } from '@shop/shared-kernel';

/** Upper case only: one spelling per product, so `mug-1` and `MUG-1` can never be two products. */
const SKU = /^[A-Z0-9][A-Z0-9._-]{0,63}$/;

/** A product's stock-keeping unit: 1–64 of `A–Z 0–9 . _ -`, starting with a letter or digit. */
export class Sku {
  private constructor(readonly value: string) {}

  static of(value: unknown): Sku {
    if (typeof value !== 'string' || !SKU.test(value))
      throw new InvalidValueError('sku', 'must be 1–64 characters of A–Z, 0–9, ".", "_" or "-" (upper case), starting with a letter or digit');
    return new Sku(value);
  }
}
