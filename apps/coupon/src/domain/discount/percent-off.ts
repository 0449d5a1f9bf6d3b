import { Money } from '@shop/shared-kernel';
import { fenField, integerField, onlyFields, type Discount, type DiscountKind, type DiscountSnapshot } from './discount.js';

/**
 * `percentOff` % of the subtotal (1–99), rounded down to the fen, at most `maxOff` when set, from
 * `minSpend` up.
 */
export class PercentOff implements Discount {
  static readonly KIND = 'percent_off';
  readonly kind = PercentOff.KIND;

  constructor(
    readonly percentOff: number,
    readonly maxOff: Money | null = null,
    readonly minSpend: Money = Money.ZERO,
  ) {}

  appliesTo(subtotal: Money): boolean {
    return subtotal.greaterThanOrEqual(this.minSpend);
  }

  amountFor(subtotal: Money): Money {
    const off = subtotal.percent(this.percentOff);
    return (this.maxOff ? off.min(this.maxOff) : off).min(subtotal);
  }

  toSnapshot(): DiscountSnapshot {
    return { kind: this.kind, percentOff: this.percentOff, maxOff: this.maxOff?.minor ?? null, minSpend: this.minSpend.minor };
  }
}

export const percentOffKind: DiscountKind = {
  kind: PercentOff.KIND,
  fromSnapshot(snapshot: DiscountSnapshot): PercentOff {
    onlyFields(snapshot, ['percentOff', 'maxOff', 'minSpend']);
    return new PercentOff(integerField(snapshot, 'percentOff', 1, 99), fenField(snapshot, 'maxOff', 1, null), fenField(snapshot, 'minSpend', 0, Money.ZERO));
  },
};
