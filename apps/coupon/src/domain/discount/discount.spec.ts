import { describe, expect, it } from 'vitest';
import { Money } from '@shop/shared-kernel';
import { AmountOff } from './amount-off.js';
import { fenField, onlyFields, type Discount, type DiscountKind, type DiscountSnapshot } from './discount.js';
import { DiscountKinds, discountKinds } from './discount-kinds.js';
import { PercentOff } from './percent-off.js';

const fen = (minor: number) => Money.ofMinor(minor);
const priced = (discount: Discount, subtotal: number) => discount.amountFor(fen(subtotal)).minor;

describe('AmountOff', () => {
  it('takes its amount off, never more than the subtotal', () => {
    const fiveYuanOff = new AmountOff(fen(500));
    expect(priced(fiveYuanOff, 10_000)).toBe(500);
    expect(priced(fiveYuanOff, 500)).toBe(500);
    expect(priced(fiveYuanOff, 499)).toBe(499);
    expect(priced(fiveYuanOff, 0)).toBe(0);
  });

  it('applies from the minimum spend up, the boundary included', () => {
    const discount = new AmountOff(fen(500), fen(5_000));
    expect(discount.appliesTo(fen(4_999))).toBe(false);
    expect(discount.appliesTo(fen(5_000))).toBe(true);
    expect(discount.appliesTo(fen(5_001))).toBe(true);
    expect(new AmountOff(fen(500)).appliesTo(fen(0))).toBe(true);
  });

  it('reads and writes its snapshot (the contract shape: minSpend 0 when none)', () => {
    expect(new AmountOff(fen(500)).toSnapshot()).toEqual({ kind: 'amount_off', amountOff: 500, minSpend: 0 });
    const read = discountKinds.fromSnapshot({ kind: 'amount_off', amountOff: 300, minSpend: 1_000 });
    expect(read).toBeInstanceOf(AmountOff);
    expect(read.toSnapshot()).toEqual({ kind: 'amount_off', amountOff: 300, minSpend: 1_000 });
    expect(discountKinds.fromSnapshot({ kind: 'amount_off', amountOff: 300 }).minSpend).toEqual(Money.ZERO);
  });
});

describe('PercentOff', () => {
  it('takes its percentage, rounded down to the fen', () => {
    expect(priced(new PercentOff(15), 999)).toBe(149); // 149.85
    expect(priced(new PercentOff(10), 19)).toBe(1); // 1.9
    expect(priced(new PercentOff(33), 1)).toBe(0); // 0.33
    expect(priced(new PercentOff(99), 100)).toBe(99);
    expect(priced(new PercentOff(1), 12_345)).toBe(123);
  });

  it('takes at most maxOff', () => {
    const discount = new PercentOff(20, fen(1_000));
    expect(priced(discount, 4_999)).toBe(999);
    expect(priced(discount, 5_000)).toBe(1_000);
    expect(priced(discount, 1_000_000)).toBe(1_000);
  });

  it('never takes more than the subtotal', () => {
    for (const subtotal of [0, 1, 7, 99, 100, 101, 123_456_789]) expect(priced(new PercentOff(99), subtotal)).toBeLessThanOrEqual(subtotal);
  });

  it('applies from the minimum spend up, the boundary included', () => {
    const discount = new PercentOff(10, null, fen(10_000));
    expect(discount.appliesTo(fen(9_999))).toBe(false);
    expect(discount.appliesTo(fen(10_000))).toBe(true);
  });

  it('reads and writes its snapshot (maxOff null and minSpend 0 when none)', () => {
    expect(new PercentOff(15).toSnapshot()).toEqual({ kind: 'percent_off', percentOff: 15, maxOff: null, minSpend: 0 });
    const read = discountKinds.fromSnapshot({ kind: 'percent_off', percentOff: 15, maxOff: 2_000, minSpend: 100 });
    expect(read).toBeInstanceOf(PercentOff);
    expect(read.toSnapshot()).toEqual({ kind: 'percent_off', percentOff: 15, maxOff: 2_000, minSpend: 100 });
    expect(discountKinds.fromSnapshot({ kind: 'percent_off', percentOff: 15, maxOff: null }).toSnapshot()).toMatchObject({ maxOff: null, minSpend: 0 });
  });
});

describe('discount validation', () => {
  it.each<[DiscountSnapshot, string]>([
    [{ kind: 'amount_off' }, 'discount.amountOff'],
    [{ kind: 'amount_off', amountOff: 0 }, 'discount.amountOff'],
    [{ kind: 'amount_off', amountOff: -1 }, 'discount.amountOff'],
    [{ kind: 'amount_off', amountOff: 1.5 }, 'discount.amountOff'],
    [{ kind: 'amount_off', amountOff: '500' }, 'discount.amountOff'],
    [{ kind: 'amount_off', amountOff: 10_000_000_001 }, 'discount.amountOff'],
    [{ kind: 'amount_off', amountOff: 500, minSpend: -1 }, 'discount.minSpend'],
    [{ kind: 'amount_off', amountOff: 500, minSpend: 10_000_000_001 }, 'discount.minSpend'],
    [{ kind: 'amount_off', amountOff: 500, percentOff: 10 }, 'discount.percentOff'],
    [{ kind: 'percent_off', percentOff: 0 }, 'discount.percentOff'],
    [{ kind: 'percent_off', percentOff: 100 }, 'discount.percentOff'],
    [{ kind: 'percent_off', percentOff: 12.5 }, 'discount.percentOff'],
    [{ kind: 'percent_off' }, 'discount.percentOff'],
    [{ kind: 'percent_off', percentOff: 10, maxOff: 0 }, 'discount.maxOff'],
    [{ kind: 'percent_off', percentOff: 10, minSpend: 0.5 }, 'discount.minSpend'],
    [{ kind: 'percent_off', percentOff: 10, amountOff: 500 }, 'discount.amountOff'],
  ])('refuses %j with INVALID_DISCOUNT naming %s', (snapshot, field) => {
    expect(() => discountKinds.fromSnapshot(snapshot)).toThrow(expect.objectContaining({ code: 'INVALID_DISCOUNT', details: { field } }));
  });

  it.each([{ kind: 'bogo' }, { kind: '' }, { kind: 42 }, {}])('refuses an unknown kind %j with UNKNOWN_DISCOUNT_KIND', (snapshot) => {
    expect(() => discountKinds.fromSnapshot(snapshot as unknown as DiscountSnapshot)).toThrow(expect.objectContaining({ code: 'UNKNOWN_DISCOUNT_KIND' }));
  });
});

// A kind only this test knows: the order pays a fixed price (never less than nothing off).
class FixedPrice implements Discount {
  readonly kind = 'fixed_price';
  readonly minSpend = Money.ZERO;
  constructor(readonly price: Money) {}
  appliesTo(subtotal: Money): boolean {
    return subtotal.greaterThanOrEqual(this.minSpend);
  }
  amountFor(subtotal: Money): Money {
    return subtotal.subtractClamped(this.price);
  }
  toSnapshot(): DiscountSnapshot {
    return { kind: this.kind, price: this.price.minor };
  }
}
const fixedPriceKind: DiscountKind = {
  kind: 'fixed_price',
  fromSnapshot(snapshot) {
    onlyFields(snapshot, ['price']);
    return new FixedPrice(fenField(snapshot, 'price', 0));
  },
};

describe('DiscountKinds', () => {
  it('knows the built-in kinds, registered in one place', () => {
    expect(discountKinds.names).toEqual(['amount_off', 'percent_off']);
  });

  it('takes a new kind with .with(...) and prices with it, leaving the registry it came from unchanged', () => {
    const kinds = discountKinds.with(fixedPriceKind);
    const discount = kinds.fromSnapshot({ kind: 'fixed_price', price: 990 });

    expect(kinds.names).toEqual(['amount_off', 'percent_off', 'fixed_price']);
    expect(priced(discount, 2_500)).toBe(1_510);
    expect(priced(discount, 500)).toBe(0);
    expect(kinds.fromSnapshot(discount.toSnapshot()).toSnapshot()).toEqual({ kind: 'fixed_price', price: 990 });
    expect(kinds.fromSnapshot({ kind: 'percent_off', percentOff: 10 })).toBeInstanceOf(PercentOff);
    expect(() => kinds.fromSnapshot({ kind: 'fixed_price', price: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_DISCOUNT' }));
    expect(() => discountKinds.fromSnapshot({ kind: 'fixed_price', price: 990 })).toThrow(expect.objectContaining({ code: 'UNKNOWN_DISCOUNT_KIND' }));
  });

  it('refuses the same kind twice', () => {
    expect(() => discountKinds.with(fixedPriceKind).with(fixedPriceKind)).toThrow(/registered twice/);
    expect(() => new DiscountKinds([fixedPriceKind, fixedPriceKind])).toThrow(/registered twice/);
  });
});
