import { codeOf } from '@shop/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { OrderPoints } from '../../../domain/order-points.js';
import { PointsAccount } from '../../../domain/points-account.js';
import { Points } from '../../../domain/points.js';
import { pointsApplicationFixture, type PointsApplicationFixture } from '../../testing/points-application.fixture.js';

const DAY_MS = 24 * 3600_000;
const NOTHING_STUCK = { count: 0, oldest: [] };

describe('ReconcilePointsBalancesHandler', () => {
  let f: PointsApplicationFixture;
  const users = Array.from({ length: 5 }, () => newId()).sort();
  const reconcile = (pageSize = 100, stuckReservationMs = DAY_MS) => f.handlers.reconcile.execute({ pageSize, stuckReservationMs });
  beforeEach(async () => {
    f = pointsApplicationFixture();
    for (const userId of users) await f.givenAccount(userId, 100);
    await f.handlers.reserve.execute({ orderId: newId(), userId: users[0]!, points: 40 });
  });

  it('finds nothing to report when every balance equals its ledger and every frozen point its reserved order', async () => {
    expect(await reconcile()).toEqual({ checked: 5, mismatches: [], stuckReservations: NOTHING_STUCK });
  });

  it('reports an account whose stored balance differs from its ledger, with both', async () => {
    const row = f.accounts.rowOf(users[2]!)!;
    f.accounts.insert(PointsAccount.restore({ ...row, available: row.available + 7 }));

    expect(await reconcile()).toEqual({
      checked: 5,
      mismatches: [
        {
          userId: users[2],
          stored: { available: 107, frozen: 0, lifetimeEarned: 100, debt: 0 },
          ledger: { available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 },
          reservedForOrders: 0,
        },
      ],
      stuckReservations: NOTHING_STUCK,
    });
  });

  it('reports ledger entries without an account, and an account with a balance but no entries', async () => {
    const orphan = newId();
    const noLedger = newId();
    const stray = PointsAccount.open(orphan, f.clock.now());
    stray.grantSignupBonus(Points.of(5), f.clock.now());
    f.ledger.append(stray.pendingEntries);
    f.accounts.insert(PointsAccount.restore({ ...PointsAccount.open(noLedger, f.clock.now()).toSnapshot(), frozen: 3 }));

    const { checked, mismatches } = await reconcile();

    expect(checked).toBe(7);
    expect(mismatches.sort((a, b) => a.userId.localeCompare(b.userId))).toEqual(
      [
        {
          userId: orphan,
          stored: { available: 0, frozen: 0, lifetimeEarned: 0, debt: 0 },
          ledger: { available: 5, frozen: 0, lifetimeEarned: 5, debt: 0 },
          reservedForOrders: 0,
        },
        {
          userId: noLedger,
          stored: { available: 0, frozen: 3, lifetimeEarned: 0, debt: 0 },
          ledger: { available: 0, frozen: 0, lifetimeEarned: 0, debt: 0 },
          reservedForOrders: 0,
        },
      ].sort((a, b) => a.userId.localeCompare(b.userId)),
    );
  });

  it('reports frozen points no reserved order holds (balance and ledger agreeing), and a reserved order whose points are frozen nowhere', async () => {
    // The order of users[0] released behind the account's back: its 40 stay frozen for ever.
    const [held] = f.orders.all().map((order) => order.toSnapshot());
    f.orders.insert(OrderPoints.restore({ ...held!, status: 'RELEASED' }));
    // A reservation for a user whose account froze nothing for it.
    const nowhere = newId();
    f.orders.insert(OrderPoints.reserved(newId(), nowhere, Points.of(25), f.clock.now()));

    const { checked, mismatches } = await reconcile();

    expect(checked).toBe(6);
    expect(mismatches.sort((a, b) => a.userId.localeCompare(b.userId))).toEqual(
      [
        {
          userId: users[0],
          stored: { available: 60, frozen: 40, lifetimeEarned: 100, debt: 0 },
          ledger: { available: 60, frozen: 40, lifetimeEarned: 100, debt: 0 },
          reservedForOrders: 0,
        },
        {
          userId: nowhere,
          stored: { available: 0, frozen: 0, lifetimeEarned: 0, debt: 0 },
          ledger: { available: 0, frozen: 0, lifetimeEarned: 0, debt: 0 },
          reservedForOrders: 25,
        },
      ].sort((a, b) => a.userId.localeCompare(b.userId)),
    );
  });

  it('counts the reservations held longer than the threshold and names the oldest first', async () => {
    const firstAt = f.clock.now();
    const [first] = f.orders.all().map((order) => order.toSnapshot());
    f.clock.advance(DAY_MS / 2);
    const second = newId();
    await f.handlers.reserve.execute({ orderId: second, userId: users[1]!, points: 10 });
    f.clock.advance(DAY_MS / 2);

    // The first one was made a day ago: exactly the threshold, not past it.
    expect((await reconcile()).stuckReservations).toEqual(NOTHING_STUCK);
    f.clock.advance(1);
    expect((await reconcile()).stuckReservations).toEqual({
      count: 1,
      oldest: [{ orderId: first!.orderId, userId: users[0], points: 40, reservedAt: firstAt }],
    });
    expect((await reconcile(100, DAY_MS / 4)).stuckReservations).toMatchObject({
      count: 2,
      oldest: [{ orderId: first!.orderId }, { orderId: second, userId: users[1], points: 10 }],
    });
    // Released (or paid): no longer held.
    const held = f.orders.all().find((order) => order.id === second)!;
    f.orders.insert(OrderPoints.restore({ ...held.toSnapshot(), status: 'RELEASED' }));
    expect((await reconcile(100, DAY_MS / 4)).stuckReservations.count).toBe(1);
  });

  it.each([
    [2, 3],
    [5, 2],
    [1, 6],
  ])('walks every account a page of %s at a time (%s pages)', async (pageSize, pages) => {
    const last = f.accounts.rowOf(users[4]!)!;
    f.accounts.insert(PointsAccount.restore({ ...last, debt: 1 }));

    const result = await reconcile(pageSize);

    expect(result.checked).toBe(5);
    expect(result.mismatches.map((m) => m.userId)).toEqual([users[4]]);
    expect(f.reconciliation.pages).toBe(pages);
  });

  it.each([0, 10_001, 1.5])('refuses a page size of %s', async (pageSize) => {
    expect(await codeOf(reconcile(pageSize))).toBe('INVALID_VALUE');
  });

  it.each([0, -1, 1.5])('refuses a stuck-reservation age of %s', async (stuckReservationMs) => {
    expect(await codeOf(reconcile(100, stuckReservationMs))).toBe('INVALID_VALUE');
  });
});
