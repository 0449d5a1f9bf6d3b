import type { DiscountSnapshot } from '../../../domain/discount/discount.js';
import type { ValiditySnapshot } from '../../../domain/validity.js';

/** A new campaign, as an admin asks for it (the HTTP request's shape; the domain validates every field). */
export interface CreateCouponTemplateCommand {
  readonly name: string;
  /** Any registered kind: `{ kind: 'amount_off', amountOff, minSpend? }`, `{ kind: 'percent_off', percentOff, maxOff?, minSpend? }`. */
  readonly discount: DiscountSnapshot;
  readonly totalStock: number;
  /** Default 1. */
  readonly perUserLimit?: number;
  /** `{ validFrom, validUntil }` (ISO date-times) or `{ validDays }`. */
  readonly validity: ValiditySnapshot;
  /** ISO date-times. */
  readonly claimStartsAt?: string | null;
  readonly claimEndsAt?: string | null;
  /** Default false. */
  readonly grantOnRegister?: boolean;
}
