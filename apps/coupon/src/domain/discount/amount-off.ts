import { Money } from '@shop/shared-kernel';
import { fenField, onlyFields, type Discount, type DiscountKind, type DiscountSnapshot } from './discount.js';

/** A fixed amount off (`amountOff` fen), never more than the subtotal, from `minSpend` up. */
export class AmountOff implements Discount {
  static readonly KIND = 'amount_off';
  readonly kind = AmountOff.KIND;

  constructor(
    readonly amountOff: Money,
    readonly minSpend: Money = Money.ZERO,
  ) {}

  appliesTo(subtotal: Money): boolean {
    return subtotal.greaterThanOrEqual(this.minSpend);
  }

  amountFor(subtotal: Money): Money {
    return this.amountOff.min(subtotal);
  }

  toSnapshot(): DiscountSnapshot {
    return { kind: this.kind, amountOff: this.amountOff.minor, minSpend: this.minSpend.minor };
  }
}

export const amountOffKind: DiscountKind = {
  kind: AmountOff.KIND,
  fromSnapshot(snapshot: DiscountSnapshot): AmountOff {
    onlyFields(snapshot, ['amountOff', 'minSpend']);
    return new AmountOff(fenField(snapshot, 'amountOff', 1), fenField(snapshot, 'minSpend', 0, Money.ZERO));
  },
};
