import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { PointsAccount } from '../../../domain/points-account.js';
import { Points } from '../../../domain/points.js';
import { codeOf, pointsApplicationFixture, type PointsApplicationFixture } from '../../testing/points-application.fixture.js';

describe('ReconcilePointsBalancesHandler', () => {
  let f: PointsApplicationFixture;
  const users = Array.from({ length: 5 }, () => newId()).sort();
  beforeEach(async () => {
    f = pointsApplicationFixture();
    for (const userId of users) await f.givenAccount(userId, 100);
    await f.handlers.reserve.execute({ orderId: newId(), userId: users[0]!, points: 40 });
  });

  it('finds nothing to report when every balance equals its ledger', async () => {
    expect(await f.handlers.reconcile.execute({ pageSize: 100 })).toEqual({ checked: 5, mismatches: [] });
  });

  it('reports an account whose stored balance differs from its ledger, with both', async () => {
    const row = f.accounts.rowOf(users[2]!)!;
    f.accounts.insert(PointsAccount.restore({ ...row, available: row.available + 7 }));

    expect(await f.handlers.reconcile.execute({ pageSize: 100 })).toEqual({
      checked: 5,
      mismatches: [
        {
          userId: users[2],
          stored: { available: 107, frozen: 0, lifetimeEarned: 100, debt: 0 },
          ledger: { available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 },
        },
      ],
    });
  });

  it('reports ledger entries without an account, and an account with a balance but no entries', async () => {
    const orphan = newId();
    const noLedger = newId();
    const stray = PointsAccount.open(orphan, f.clock.now());
    stray.grantSignupBonus(Points.of(5), f.clock.now());
    f.ledger.append(stray.pendingEntries);
    f.accounts.insert(PointsAccount.restore({ ...PointsAccount.open(noLedger, f.clock.now()).toSnapshot(), frozen: 3 }));

    const { checked, mismatches } = await f.handlers.reconcile.execute({ pageSize: 100 });

    expect(checked).toBe(7);
    expect(mismatches.sort((a, b) => a.userId.localeCompare(b.userId))).toEqual(
      [
        { userId: orphan, stored: { available: 0, frozen: 0, lifetimeEarned: 0, debt: 0 }, ledger: { available: 5, frozen: 0, lifetimeEarned: 5, debt: 0 } },
        { userId: noLedger, stored: { available: 0, frozen: 3, lifetimeEarned: 0, debt: 0 }, ledger: { available: 0, frozen: 0, lifetimeEarned: 0, debt: 0 } },
      ].sort((a, b) => a.userId.localeCompare(b.userId)),
    );
  });

  it.each([
    [2, 3],
    [5, 2],
    [1, 6],
  ])('walks every account a page of %s at a time (%s pages)', async (pageSize, pages) => {
    const last = f.accounts.rowOf(users[4]!)!;
    f.accounts.insert(PointsAccount.restore({ ...last, debt: 1 }));

    const result = await f.handlers.reconcile.execute({ pageSize });

    expect(result.checked).toBe(5);
    expect(result.mismatches.map((m) => m.userId)).toEqual([users[4]]);
    expect(f.reconciliation.pages).toBe(pages);
  });

  it.each([0, 10_001, 1.5])('refuses a page size of %s', async (pageSize) => {
    expect(await codeOf(f.handlers.reconcile.execute({ pageSize }))).toBe('INVALID_VALUE');
  });
});
