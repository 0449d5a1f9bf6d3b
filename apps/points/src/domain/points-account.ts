import { AggregateRoot, assertUuid } from '@shop/shared-kernel';
import { ledgerKey, type Balance, type LedgerDelta, type LedgerEntry, type LedgerEntryKind } from './ledger-entry.js';
import { InsufficientFrozenPointsError, InsufficientPointsError } from './points.errors.js';
import type { PointsAccountEvent } from './points.events.js';
import { Points, balancePart } from './points.js';

/** Everything an account is made of, as stored; only repositories restore accounts from it. */
export interface PointsAccountSnapshot extends Balance {
  readonly userId: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What a clawback took: from the available balance, and the rest owed as debt. */
export interface ClawBackOutcome {
  readonly clawedBack: Points;
  readonly debt: Points;
}

/**
 * A user's points: what is available to spend, what is frozen for orders in flight, what was earned
 * over time, and what is owed (points clawed back on a refund after they had been spent). Every change
 * is one entry of the append-only ledger (`pendingEntries`, written with the account in one
 * transaction), so the balances always equal the ledger's sum; a change of zero points writes nothing.
 * No balance ever goes below zero: a freeze needs the points available, a clawback takes what is
 * available and records the rest as debt, settled from the next credits.
 */
export class PointsAccount extends AggregateRoot<PointsAccountEvent> {
  private state: PointsAccountSnapshot;
  private entries: LedgerEntry[] = [];

  private constructor(snapshot: PointsAccountSnapshot) {
    super();
    this.state = snapshot;
  }

  /**
   * An empty account; nothing is written for it until its first entry. The user id is taken in its one
   * spelling (lower case): it keys the row and the entries, so another spelling would be another account.
   */
  static open(userId: string, now: Date): PointsAccount {
    const id = assertUuid('userId', userId);
    return new PointsAccount({ userId: id, available: 0, frozen: 0, lifetimeEarned: 0, debt: 0, createdAt: now, updatedAt: now });
  }

  static restore(snapshot: PointsAccountSnapshot): PointsAccount {
    return new PointsAccount(snapshot);
  }

  /** The user id: one account per user. */
  get id(): string {
    return this.state.userId;
  }
  get userId(): string {
    return this.state.userId;
  }
  get available(): number {
    return this.state.available;
  }
  get frozen(): number {
    return this.state.frozen;
  }
  get lifetimeEarned(): number {
    return this.state.lifetimeEarned;
  }
  get debt(): number {
    return this.state.debt;
  }
  get balance(): Balance {
    const { available, frozen, lifetimeEarned, debt } = this.state;
    return { available, frozen, lifetimeEarned, debt };
  }
  get createdAt(): Date {
    return this.state.createdAt;
  }
  get updatedAt(): Date {
    return this.state.updatedAt;
  }

  /** The entries appended since the account was loaded (or since the repository last wrote them), oldest first. */
  get pendingEntries(): readonly LedgerEntry[] {
    return [...this.entries];
  }

  /** The repository has inserted the pending entries. */
  clearPendingEntries(): void {
    this.entries = [];
  }

  /** The sign-up bonus: BONUS (available and earned +). Keyed by the user: granted once. */
  grantSignupBonus(points: Points, now: Date): void {
    this.credit('BONUS', this.userId, null, points, { earned: points.value }, now);
  }

  /** What a paid order earned: EARN (available and earned +). */
  earn(orderId: string, points: Points, now: Date): void {
    this.credit('EARN', orderId, orderId, points, { earned: points.value }, now);
  }

  canFreeze(points: Points): boolean {
    return this.state.available >= points.value;
  }

  /** The saga's *try*: FREEZE (available −, frozen +). Never more than is available. */
  freeze(orderId: string, points: Points, now: Date): void {
    if (!this.canFreeze(points)) throw new InsufficientPointsError(this.userId, points.value, this.state.available);
    if (points.isZero()) return;
    this.append('FREEZE', orderId, orderId, { available: -points.value, frozen: points.value }, now);
  }

  /** The saga's *cancel*: RELEASE (frozen −, available +). */
  release(orderId: string, points: Points, now: Date): void {
    this.requireFrozen(orderId, points);
    this.credit('RELEASE', orderId, orderId, points, { frozen: -points.value }, now);
  }

  /** The saga's *confirm*: SPEND (frozen −); the points paid for part of the order. */
  spend(orderId: string, points: Points, now: Date): void {
    this.requireFrozen(orderId, points);
    if (points.isZero()) return;
    this.append('SPEND', orderId, orderId, { frozen: -points.value }, now);
  }

  /** A refunded order's spent points come back: REFUND (available +). */
  returnSpent(orderId: string, points: Points, now: Date): void {
    this.credit('REFUND', orderId, orderId, points, {}, now);
  }

  /**
   * A refunded order's earned points go back: CLAWBACK for what is available (available −, earned −)
   * and DEBT for the rest (debt +, earned −), so available never goes below zero.
   */
  clawBack(orderId: string, points: Points, now: Date): ClawBackOutcome {
    const clawedBack = Points.of(Math.min(points.value, this.state.available));
    const debt = points.minus(clawedBack);
    if (!clawedBack.isZero()) this.append('CLAWBACK', orderId, orderId, { available: -clawedBack.value, earned: -clawedBack.value }, now);
    if (!debt.isZero()) this.append('DEBT', orderId, orderId, { debt: debt.value, earned: -debt.value }, now);
    return { clawedBack, debt };
  }

  toSnapshot(): PointsAccountSnapshot {
    return { ...this.state };
  }

  private requireFrozen(orderId: string, points: Points): void {
    if (this.state.frozen < points.value) throw new InsufficientFrozenPointsError(this.userId, orderId, points.value, this.state.frozen);
  }

  /** Adds to the available balance, then pays what is owed from it: DEBT_SETTLED (available −, debt −), keyed by the credit. */
  private credit(kind: LedgerEntryKind, ref: string, orderId: string | null, points: Points, delta: Partial<LedgerDelta>, now: Date): void {
    if (points.isZero()) return;
    const entry = this.append(kind, ref, orderId, { ...delta, available: points.value }, now);
    const settled = Math.min(this.state.debt, this.state.available);
    if (settled > 0) this.append('DEBT_SETTLED', entry.key, orderId, { available: -settled, debt: -settled }, now);
  }

  private append(kind: LedgerEntryKind, ref: string, orderId: string | null, change: Partial<LedgerDelta>, now: Date): LedgerEntry {
    const delta: LedgerDelta = { available: 0, frozen: 0, earned: 0, debt: 0, ...change };
    // balancePart refuses a negative or inexact result: the guards above keep every balance in range.
    // A balance may outgrow one entry's bound (lifetimeEarned adds up for years); an entry never does.
    const after: Balance = {
      available: balancePart(this.state.available + delta.available, 'available'),
      frozen: balancePart(this.state.frozen + delta.frozen, 'frozen'),
      lifetimeEarned: balancePart(this.state.lifetimeEarned + delta.earned, 'lifetimeEarned'),
      debt: balancePart(this.state.debt + delta.debt, 'debt'),
    };
    const entry: LedgerEntry = { key: ledgerKey(kind, ref), userId: this.userId, kind, orderId, delta, after, createdAt: now };
    this.state = { ...this.state, ...after, updatedAt: now };
    this.entries.push(entry);
    this.record({ type: 'PointsLedgerEntryAppended', aggregateId: this.userId, occurredAt: now, entry });
    return entry;
  }
}
