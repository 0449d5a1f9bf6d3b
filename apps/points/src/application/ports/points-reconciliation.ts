import type { Balance } from '../../domain/ledger-entry.js';

export type { Balance } from '../../domain/ledger-entry.js';

/**
 * An account whose stored balances are not what its ledger sums to, or whose frozen points are not
 * what its orders still hold reserved (frozen points no step will ever release or spend).
 */
export interface BalanceMismatch {
  readonly userId: string;
  /** As stored on the account row (zeros when there is no row). */
  readonly stored: Balance;
  /** The sum of the account's ledger entries (zeros when there are none). */
  readonly ledger: Balance;
  /** The points of the user's orders still RESERVED: what `frozen` must be, stored and by the ledger. */
  readonly reservedForOrders: number;
}

export interface ReconciliationPageRequest {
  /** Only users after this one (by user id); null for the first page. */
  readonly afterUserId: string | null;
  readonly limit: number;
}

export interface ReconciliationPage {
  readonly mismatches: BalanceMismatch[];
  /** The last user id checked on this page; null when there was none. */
  readonly lastUserId: string | null;
  /** How many users were checked on this page. */
  readonly checked: number;
}

/** An order whose points have stayed frozen (RESERVED) longer than any saga should take. */
export interface StuckReservation {
  readonly orderId: string;
  readonly userId: string;
  readonly points: number;
  /** When the points were frozen for it. */
  readonly reservedAt: Date;
}

export interface StuckReservationsRequest {
  /** Reservations made before this moment count as stuck. */
  readonly reservedBefore: Date;
  /** How many of them to list (the oldest first); all are counted. */
  readonly limit: number;
}

export interface StuckReservations {
  readonly count: number;
  /** The oldest first, at most the request's limit. */
  readonly oldest: StuckReservation[];
}

/**
 * Recomputes balances from the ledger, a page of users at a time in user id order. A user with ledger
 * entries but no account row, or an account row with a non-zero balance but no entries, mismatches too;
 * so does one whose frozen points differ from what its RESERVED orders hold (users with only such
 * orders included).
 */
export interface PointsReconciliation {
  checkPage(page: ReconciliationPageRequest): Promise<ReconciliationPage>;
  /** The reservations still RESERVED since before `reservedBefore`. */
  stuckReservations(request: StuckReservationsRequest): Promise<StuckReservations>;
}
