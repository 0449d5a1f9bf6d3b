import { InvalidCouponTemplateError } from './coupon.errors.js';

const DAY_MS = 24 * 60 * 60 * 1000;
export const MAX_VALID_DAYS = 3650;

/** How a template's validity is stored and published (the HTTP contract's shape). */
export type ValiditySnapshot = { readonly validFrom: string; readonly validUntil: string } | { readonly validDays: number };

/** When a coupon may be used: from `validFrom` (inclusive) until `validUntil` (exclusive). */
export interface ValidityWindow {
  readonly validFrom: Date;
  readonly validUntil: Date;
}

/**
 * How long the coupons of a template are valid: a fixed window the same for every coupon, or a
 * number of days from the moment each coupon is claimed.
 */
export abstract class Validity {
  static fixed(validFrom: Date, validUntil: Date): Validity {
    if (!isInstant(validFrom)) throw new InvalidCouponTemplateError('validity.validFrom', 'must be a date-time');
    if (!isInstant(validUntil)) throw new InvalidCouponTemplateError('validity.validUntil', 'must be a date-time');
    if (validFrom.getTime() >= validUntil.getTime()) throw new InvalidCouponTemplateError('validity.validUntil', 'must be after validFrom');
    return new FixedValidity(new Date(validFrom), new Date(validUntil));
  }

  static relative(validDays: number): Validity {
    if (!Number.isSafeInteger(validDays) || validDays < 1 || validDays > MAX_VALID_DAYS)
      throw new InvalidCouponTemplateError('validity.validDays', `must be a whole number of days 1–${MAX_VALID_DAYS}, got ${validDays}`);
    return new RelativeValidity(validDays);
  }

  static fromSnapshot(snapshot: ValiditySnapshot): Validity {
    if (snapshot !== null && typeof snapshot === 'object' && 'validDays' in snapshot) return Validity.relative(snapshot.validDays);
    if (snapshot !== null && typeof snapshot === 'object' && 'validFrom' in snapshot && 'validUntil' in snapshot)
      return Validity.fixed(parseInstant('validity.validFrom', snapshot.validFrom), parseInstant('validity.validUntil', snapshot.validUntil));
    throw new InvalidCouponTemplateError('validity', 'must be either {validFrom, validUntil} or {validDays}');
  }

  /** The window of a coupon claimed at `claimedAt`. */
  abstract windowFrom(claimedAt: Date): ValidityWindow;

  /** Has every coupon this validity could give ended by `now`? (Only a fixed window ends for good.) */
  abstract endsBy(now: Date): boolean;

  abstract toSnapshot(): ValiditySnapshot;
}

class FixedValidity extends Validity {
  constructor(
    private readonly validFrom: Date,
    private readonly validUntil: Date,
  ) {
    super();
  }

  windowFrom(): ValidityWindow {
    return { validFrom: new Date(this.validFrom), validUntil: new Date(this.validUntil) };
  }

  endsBy(now: Date): boolean {
    return now.getTime() >= this.validUntil.getTime();
  }

  toSnapshot(): ValiditySnapshot {
    return { validFrom: this.validFrom.toISOString(), validUntil: this.validUntil.toISOString() };
  }
}

class RelativeValidity extends Validity {
  constructor(private readonly validDays: number) {
    super();
  }

  windowFrom(claimedAt: Date): ValidityWindow {
    return { validFrom: new Date(claimedAt), validUntil: new Date(claimedAt.getTime() + this.validDays * DAY_MS) };
  }

  endsBy(): boolean {
    return false;
  }

  toSnapshot(): ValiditySnapshot {
    return { validDays: this.validDays };
  }
}

const isInstant = (value: unknown): value is Date => value instanceof Date && !Number.isNaN(value.getTime());

// An ISO-8601 date-time with its offset (what the contract's `date-time` format accepts); anything else is refused rather than guessed at.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** An instant from its ISO-8601 text, or `InvalidCouponTemplateError` naming `field`. */
export function parseInstant(field: string, value: unknown): Date {
  const date = typeof value === 'string' && DATE_TIME.test(value) ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new InvalidCouponTemplateError(field, `must be an ISO-8601 date-time, got ${JSON.stringify(value)}`);
  return date;
}
