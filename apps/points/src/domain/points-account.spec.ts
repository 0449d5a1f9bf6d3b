import { describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { balanceOfLedger, type LedgerEntry } from './ledger-entry.js';
import { PointsAccount } from './points-account.js';
import { InsufficientFrozenPointsError, InsufficientPointsError, InvalidPointsError } from './points.errors.js';
import { MAX_POINTS, Points } from './points.js';
import { PointsAccountMother } from './testing/points.mother.js';

const now = new Date('2026-03-15T00:00:00.000Z');
const later = new Date('2026-03-15T00:05:00.000Z');
const userId = newId();
const orderId = newId();
const otherOrder = newId();
const p = (value: number) => Points.of(value);

const account = (balance: { available?: number; frozen?: number; lifetimeEarned?: number; debt?: number } = {}) =>
  PointsAccountMother.stored({ userId, lifetimeEarned: balance.available ?? 0, ...balance });

/** The entries' kind, key, order and deltas (available, frozen, earned, debt), in one readable row each. */
const rows = (entries: readonly LedgerEntry[]) =>
  entries.map((e) => [e.kind, e.key, e.orderId, e.delta.available, e.delta.frozen, e.delta.earned, e.delta.debt]);

describe('PointsAccount', () => {
  it('opens empty, with nothing to write until its first entry', () => {
    const opened = PointsAccount.open(userId, now);
    expect(opened.id).toBe(userId);
    expect(opened.toSnapshot()).toEqual({ userId, available: 0, frozen: 0, lifetimeEarned: 0, debt: 0, createdAt: now, updatedAt: now });
    expect(opened.pendingEntries).toEqual([]);
    expect(opened.pullDomainEvents()).toEqual([]);
  });

  it('keeps its user id in one spelling, lower case, for its row and its entries’ keys; refuses what is not a UUID', () => {
    const opened = PointsAccount.open(userId.toUpperCase(), now);
    expect(opened.userId).toBe(userId);
    opened.grantSignupBonus(p(100), now);
    expect(opened.pendingEntries.map((e) => [e.key, e.userId])).toEqual([[`BONUS:${userId}`, userId]]);
    for (const spelling of [`urn:uuid:${userId}`, 'user-1', ''])
      expect(() => PointsAccount.open(spelling, now)).toThrow(expect.objectContaining({ code: 'INVALID_VALUE', details: { field: 'userId' } }));
  });

  it('grants the sign-up bonus as a BONUS keyed by the user, available and earned, recording the entry', () => {
    const opened = PointsAccount.open(userId, now);
    opened.grantSignupBonus(p(100), later);

    expect(opened.balance).toEqual({ available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 });
    expect(opened.updatedAt).toEqual(later);
    const entry: LedgerEntry = {
      key: `BONUS:${userId}`,
      userId,
      kind: 'BONUS',
      orderId: null,
      delta: { available: 100, frozen: 0, earned: 100, debt: 0 },
      after: { available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 },
      createdAt: later,
    };
    expect(opened.pendingEntries).toEqual([entry]);
    expect(opened.pullDomainEvents()).toEqual([{ type: 'PointsLedgerEntryAppended', aggregateId: userId, occurredAt: later, entry }]);
  });

  it('earns for a paid order as an EARN keyed by the order', () => {
    const holder = account({ available: 10 });
    holder.earn(orderId, p(42), now);
    expect(holder.balance).toEqual({ available: 52, frozen: 0, lifetimeEarned: 52, debt: 0 });
    expect(rows(holder.pendingEntries)).toEqual([['EARN', `EARN:${orderId}`, orderId, 42, 0, 42, 0]]);
    expect(holder.pendingEntries[0]!.after).toEqual({ available: 52, frozen: 0, lifetimeEarned: 52, debt: 0 });
  });

  it('freezes what is available (all of it, too) as a FREEZE: available down, frozen up', () => {
    const holder = account({ available: 100 });
    expect(holder.canFreeze(p(100))).toBe(true);
    holder.freeze(orderId, p(30), now);
    holder.freeze(otherOrder, p(70), now);

    expect(holder.balance).toEqual({ available: 0, frozen: 100, lifetimeEarned: 100, debt: 0 });
    expect(rows(holder.pendingEntries)).toEqual([
      ['FREEZE', `FREEZE:${orderId}`, orderId, -30, 30, 0, 0],
      ['FREEZE', `FREEZE:${otherOrder}`, otherOrder, -70, 70, 0, 0],
    ]);
    expect(holder.pendingEntries.map((e) => e.after)).toEqual([
      { available: 70, frozen: 30, lifetimeEarned: 100, debt: 0 },
      { available: 0, frozen: 100, lifetimeEarned: 100, debt: 0 },
    ]);
  });

  it('refuses to freeze more than is available with INSUFFICIENT_POINTS, writing nothing', () => {
    const holder = account({ available: 99 });
    expect(holder.canFreeze(p(100))).toBe(false);
    expect(() => holder.freeze(orderId, p(100), now)).toThrow(InsufficientPointsError);
    expect(() => holder.freeze(orderId, p(100), now)).toThrow(
      expect.objectContaining({ code: 'INSUFFICIENT_POINTS', details: { userId, wanted: 100, available: 99 } }),
    );
    expect(holder.balance).toEqual({ available: 99, frozen: 0, lifetimeEarned: 99, debt: 0 });
    expect(holder.pendingEntries).toEqual([]);
    expect(holder.pullDomainEvents()).toEqual([]);
  });

  it('releases frozen points as a RELEASE: frozen down, available up', () => {
    const holder = account({ available: 10, frozen: 30, lifetimeEarned: 40 });
    holder.release(orderId, p(30), now);
    expect(holder.balance).toEqual({ available: 40, frozen: 0, lifetimeEarned: 40, debt: 0 });
    expect(rows(holder.pendingEntries)).toEqual([['RELEASE', `RELEASE:${orderId}`, orderId, 30, -30, 0, 0]]);
  });

  it('spends frozen points as a SPEND: frozen down, available untouched', () => {
    const holder = account({ available: 10, frozen: 30, lifetimeEarned: 40 });
    holder.spend(orderId, p(30), now);
    expect(holder.balance).toEqual({ available: 10, frozen: 0, lifetimeEarned: 40, debt: 0 });
    expect(rows(holder.pendingEntries)).toEqual([['SPEND', `SPEND:${orderId}`, orderId, 0, -30, 0, 0]]);
  });

  it.each<[string, (a: PointsAccount) => void]>([
    ['release', (a) => a.release(orderId, p(31), now)],
    ['spend', (a) => a.spend(orderId, p(31), now)],
  ])('refuses to %s more than is frozen, writing nothing', (_, step) => {
    const holder = account({ available: 100, frozen: 30 });
    expect(() => step(holder)).toThrow(InsufficientFrozenPointsError);
    expect(() => step(holder)).toThrow(expect.objectContaining({ code: 'INSUFFICIENT_FROZEN_POINTS', details: { userId, orderId, wanted: 31, frozen: 30 } }));
    expect(holder.balance).toEqual({ available: 100, frozen: 30, lifetimeEarned: 100, debt: 0 });
    expect(holder.pendingEntries).toEqual([]);
  });

  it('returns a refunded order’s spent points as a REFUND: available up', () => {
    const holder = account({ available: 5, lifetimeEarned: 40 });
    holder.returnSpent(orderId, p(30), now);
    expect(holder.balance).toEqual({ available: 35, frozen: 0, lifetimeEarned: 40, debt: 0 });
    expect(rows(holder.pendingEntries)).toEqual([['REFUND', `REFUND:${orderId}`, orderId, 30, 0, 0, 0]]);
  });

  it('claws earned points back from what is available as a CLAWBACK: available and earned down', () => {
    const holder = account({ available: 80 });
    expect(holder.clawBack(orderId, p(50), now)).toEqual({ clawedBack: p(50), debt: Points.zero });
    expect(holder.balance).toEqual({ available: 30, frozen: 0, lifetimeEarned: 30, debt: 0 });
    expect(rows(holder.pendingEntries)).toEqual([['CLAWBACK', `CLAWBACK:${orderId}`, orderId, -50, 0, -50, 0]]);
  });

  it('claws back what is available and owes the rest as a DEBT, never going below zero (frozen points untouched)', () => {
    const holder = account({ available: 20, frozen: 40, lifetimeEarned: 100 });
    expect(holder.clawBack(orderId, p(50), now)).toEqual({ clawedBack: p(20), debt: p(30) });
    expect(holder.balance).toEqual({ available: 0, frozen: 40, lifetimeEarned: 50, debt: 30 });
    expect(rows(holder.pendingEntries)).toEqual([
      ['CLAWBACK', `CLAWBACK:${orderId}`, orderId, -20, 0, -20, 0],
      ['DEBT', `DEBT:${orderId}`, orderId, 0, 0, -30, 30],
    ]);
    expect(holder.pendingEntries.map((e) => e.after)).toEqual([
      { available: 0, frozen: 40, lifetimeEarned: 80, debt: 0 },
      { available: 0, frozen: 40, lifetimeEarned: 50, debt: 30 },
    ]);
  });

  it('owes it all as a DEBT when nothing is available', () => {
    const holder = account({ available: 0, lifetimeEarned: 50 });
    expect(holder.clawBack(orderId, p(50), now)).toEqual({ clawedBack: Points.zero, debt: p(50) });
    expect(rows(holder.pendingEntries)).toEqual([['DEBT', `DEBT:${orderId}`, orderId, 0, 0, -50, 50]]);
    expect(holder.balance).toEqual({ available: 0, frozen: 0, lifetimeEarned: 0, debt: 50 });
  });

  it.each<[string, (a: PointsAccount) => void, string, string | null]>([
    ['a bonus', (a) => a.grantSignupBonus(p(100), later), `BONUS:${userId}`, null],
    ['an earning', (a) => a.earn(otherOrder, p(100), later), `EARN:${otherOrder}`, otherOrder],
    ['a release', (a) => a.release(otherOrder, p(100), later), `RELEASE:${otherOrder}`, otherOrder],
    ['a refund', (a) => a.returnSpent(otherOrder, p(100), later), `REFUND:${otherOrder}`, otherOrder],
  ])('settles a debt from %s, as a DEBT_SETTLED keyed by that credit', (_, credit, creditKey, creditOrder) => {
    const holder = account({ available: 0, frozen: 100, lifetimeEarned: 50, debt: 30 });
    credit(holder);

    const [creditEntry, settled] = holder.pendingEntries;
    expect(creditEntry!.key).toBe(creditKey);
    expect(settled).toMatchObject({
      kind: 'DEBT_SETTLED',
      key: `DEBT_SETTLED:${creditKey}`,
      orderId: creditOrder,
      delta: { available: -30, frozen: 0, earned: 0, debt: -30 },
      after: { available: 70, debt: 0 },
    });
    expect(holder.pendingEntries).toHaveLength(2);
    expect([holder.available, holder.debt]).toEqual([70, 0]);
  });

  it('settles a debt larger than the credit in part, the rest owed until a later credit', () => {
    const holder = account({ available: 0, lifetimeEarned: 0, debt: 100 });
    holder.earn(orderId, p(40), now);
    expect([holder.available, holder.debt]).toEqual([0, 60]);
    holder.earn(otherOrder, p(100), later);
    expect([holder.available, holder.debt]).toEqual([40, 0]);
    expect(rows(holder.pendingEntries)).toEqual([
      ['EARN', `EARN:${orderId}`, orderId, 40, 0, 40, 0],
      ['DEBT_SETTLED', `DEBT_SETTLED:EARN:${orderId}`, orderId, -40, 0, 0, -40],
      ['EARN', `EARN:${otherOrder}`, otherOrder, 100, 0, 100, 0],
      ['DEBT_SETTLED', `DEBT_SETTLED:EARN:${otherOrder}`, otherOrder, -60, 0, 0, -60],
    ]);
  });

  it('does not settle anything on a debit, nor without a debt', () => {
    const holder = account({ available: 50, frozen: 10, debt: 0 });
    holder.earn(orderId, p(5), now);
    holder.spend(orderId, p(10), now);
    expect(holder.pendingEntries.map((e) => e.kind)).toEqual(['EARN', 'SPEND']);
  });

  it.each<[string, (a: PointsAccount) => unknown]>([
    ['bonus', (a) => a.grantSignupBonus(Points.zero, now)],
    ['earn', (a) => a.earn(orderId, Points.zero, now)],
    ['freeze', (a) => a.freeze(orderId, Points.zero, now)],
    ['release', (a) => a.release(orderId, Points.zero, now)],
    ['spend', (a) => a.spend(orderId, Points.zero, now)],
    ['return', (a) => a.returnSpent(orderId, Points.zero, now)],
    ['claw back', (a) => expect(a.clawBack(orderId, Points.zero, now)).toEqual({ clawedBack: Points.zero, debt: Points.zero })],
  ])('appends nothing for a %s of zero points (not even a debt settlement)', (_, step) => {
    const holder = account({ available: 0, frozen: 0, lifetimeEarned: 10, debt: 10 });
    step(holder);
    expect(holder.pendingEntries).toEqual([]);
    expect(holder.pullDomainEvents()).toEqual([]);
    expect(holder.toSnapshot()).toEqual(account({ available: 0, frozen: 0, lifetimeEarned: 10, debt: 10 }).toSnapshot());
  });

  it('keeps its balances equal to the ledger: each entry’s after-balances are the running sum of the deltas', () => {
    const holder = PointsAccount.open(userId, now);
    holder.grantSignupBonus(p(100), now);
    holder.freeze(orderId, p(80), now);
    holder.spend(orderId, p(80), now);
    holder.earn(orderId, p(60), now);
    holder.freeze(otherOrder, p(70), now);
    holder.returnSpent(orderId, p(80), now);
    holder.clawBack(orderId, p(60), now);
    holder.release(otherOrder, p(70), now);

    const entries = holder.pendingEntries;
    expect(entries.map((e) => e.kind)).toEqual(['BONUS', 'FREEZE', 'SPEND', 'EARN', 'FREEZE', 'REFUND', 'CLAWBACK', 'RELEASE']);
    entries.forEach((entry, i) => expect(entry.after, entry.key).toEqual(balanceOfLedger(entries.slice(0, i + 1))));
    expect(holder.balance).toEqual(balanceOfLedger(entries));
    expect(holder.balance).toEqual({ available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 });
    expect(new Set(entries.map((e) => e.key)).size).toBe(entries.length);
    expect(holder.pullDomainEvents().map((e) => e.type === 'PointsLedgerEntryAppended' && e.entry)).toEqual(entries);
  });

  it('lets balances add up past a trillion (only one entry is bounded by it): earned over years, frozen for many orders, clawed back into debt', () => {
    const holder = account({ available: MAX_POINTS, lifetimeEarned: MAX_POINTS });
    holder.earn(orderId, p(MAX_POINTS), now);
    expect(holder.balance).toEqual({ available: 2 * MAX_POINTS, frozen: 0, lifetimeEarned: 2 * MAX_POINTS, debt: 0 });
    holder.freeze(otherOrder, p(MAX_POINTS), now);
    holder.freeze(newId(), p(MAX_POINTS), now);
    expect(holder.balance).toMatchObject({ available: 0, frozen: 2 * MAX_POINTS });
    // A clawback with more available than one entry's bound takes what it must, no more.
    const rich = account({ available: 3 * MAX_POINTS });
    expect(rich.clawBack(orderId, p(MAX_POINTS), now)).toEqual({ clawedBack: p(MAX_POINTS), debt: Points.zero });
    expect(rich.balance).toMatchObject({ available: 2 * MAX_POINTS, lifetimeEarned: 2 * MAX_POINTS });
  });

  it('refuses a credit that would take a balance past the exact integers (what BIGINT and a number both hold), writing nothing', () => {
    const holder = account({ available: Number.MAX_SAFE_INTEGER, lifetimeEarned: 0 });
    expect(() => holder.earn(orderId, p(1), now)).toThrow(InvalidPointsError);
    expect(() => holder.earn(orderId, p(1), now)).toThrow(expect.objectContaining({ code: 'INVALID_POINTS', details: { field: 'available' } }));
    expect(holder.pendingEntries).toEqual([]);
    expect(holder.available).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('forgets its pending entries once the repository has written them', () => {
    const holder = PointsAccount.open(userId, now);
    holder.grantSignupBonus(p(100), now);
    holder.clearPendingEntries();
    expect(holder.pendingEntries).toEqual([]);
    holder.earn(orderId, p(1), now);
    expect(holder.pendingEntries.map((e) => e.kind)).toEqual(['EARN']);
  });

  it('restores from a snapshot (round trip) without entries or events', () => {
    const original = PointsAccount.open(userId, now);
    original.grantSignupBonus(p(100), later);
    original.freeze(orderId, p(40), later);
    original.clawBack(otherOrder, p(80), later);
    const restored = PointsAccount.restore(original.toSnapshot());
    expect(restored.toSnapshot()).toEqual(original.toSnapshot());
    expect(restored.toSnapshot()).toEqual({ userId, available: 0, frozen: 40, lifetimeEarned: 20, debt: 20, createdAt: now, updatedAt: later });
    expect(restored.pendingEntries).toEqual([]);
    expect(restored.pullDomainEvents()).toEqual([]);
  });
});
