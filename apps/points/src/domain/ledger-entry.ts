/**
 * Every kind of ledger entry. The HTTP contract publishes the same list (`LEDGER_ENTRY_KINDS` of
 * @shop/contracts); the domain keeps its own copy and a test holds the two equal.
 */
export const LEDGER_ENTRY_KINDS = ['BONUS', 'EARN', 'FREEZE', 'RELEASE', 'SPEND', 'REFUND', 'CLAWBACK', 'DEBT', 'DEBT_SETTLED'] as const;
export type LedgerEntryKind = (typeof LEDGER_ENTRY_KINDS)[number];

/** An account's four balances. */
export interface Balance {
  readonly available: number;
  readonly frozen: number;
  readonly lifetimeEarned: number;
  /** Points clawed back on a refund that were no longer available: settled from later credits. */
  readonly debt: number;
}

/** What one entry changes, signed: `earned` moves `lifetimeEarned`. */
export interface LedgerDelta {
  readonly available: number;
  readonly frozen: number;
  readonly earned: number;
  readonly debt: number;
}

/** One line of an account's append-only ledger: the balances are the sum of its entries' deltas. */
export interface LedgerEntry {
  /** Unique forever (`ledgerKey`): the same business fact can never be written twice. */
  readonly key: string;
  readonly userId: string;
  readonly kind: LedgerEntryKind;
  /** The order it belongs to; null for the sign-up bonus. */
  readonly orderId: string | null;
  readonly delta: LedgerDelta;
  /** The account's balances once this entry is applied. */
  readonly after: Balance;
  readonly createdAt: Date;
}

/**
 * An entry's business key: `<kind>:<ref>`, where ref is the order id for an order's entries, the user
 * id for the sign-up bonus, and the credit's own key for the DEBT_SETTLED that credit paid.
 */
export const ledgerKey = (kind: LedgerEntryKind, ref: string): string => `${kind}:${ref}`;

export const ZERO_BALANCE: Balance = { available: 0, frozen: 0, lifetimeEarned: 0, debt: 0 };

/** The balances a ledger says an account has: the sum of its entries' deltas. */
export function balanceOfLedger(entries: Iterable<Pick<LedgerEntry, 'delta'>>): Balance {
  let { available, frozen, lifetimeEarned, debt } = ZERO_BALANCE;
  for (const { delta } of entries) {
    available += delta.available;
    frozen += delta.frozen;
    lifetimeEarned += delta.earned;
    debt += delta.debt;
  }
  return { available, frozen, lifetimeEarned, debt };
}
