import { UnknownDiscountKindError } from '../coupon.errors.js';
import { amountOffKind } from './amount-off.js';
import type { Discount, DiscountKind, DiscountSnapshot } from './discount.js';
import { percentOffKind } from './percent-off.js';

/** The discount kinds a context knows, by name: turns any stored or requested snapshot into its discount. */
export class DiscountKinds {
  private readonly byKind: ReadonlyMap<string, DiscountKind>;

  constructor(kinds: readonly DiscountKind[]) {
    const byKind = new Map<string, DiscountKind>();
    for (const kind of kinds) {
      if (byKind.has(kind.kind)) throw new Error(`discount kind '${kind.kind}' is registered twice`);
      byKind.set(kind.kind, kind);
    }
    this.byKind = byKind;
  }

  /** These kinds and one more (a new instance; this one is unchanged). */
  with(kind: DiscountKind): DiscountKinds {
    return new DiscountKinds([...this.byKind.values(), kind]);
  }

  get names(): readonly string[] {
    return [...this.byKind.keys()];
  }

  fromSnapshot(snapshot: DiscountSnapshot): Discount {
    const kind = typeof snapshot?.kind === 'string' ? this.byKind.get(snapshot.kind) : undefined;
    if (!kind) throw new UnknownDiscountKindError(snapshot?.kind, this.names);
    return kind.fromSnapshot(snapshot);
  }
}

/** THE one place discount kinds are registered: a new kind is a new class and one entry here. */
export const discountKinds = new DiscountKinds([amountOffKind, percentOffKind]);
