import { StaleAggregateError } from '@shop/persistence';
import { afterEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { Cleanups, waitFor } from '@shop/testing';
import { OrderPoints } from '../src/domain/order-points.js';
import { PointsAccount } from '../src/domain/points-account.js';
import { Points } from '../src/domain/points.js';
import { KINDS, openPointsDatabase, outboxRows, pointsAdapters, type PointsAdapters, type PointsDatabase } from './support/points-test-database.js';

const NOW = new Date('2026-03-01T10:00:00.000Z');
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);
const points = (n: number) => Points.of(n);

/** A ledger row as the tests compare it (numbers whatever the driver hands back). */
interface LedgerLine {
  key: string;
  kind: string;
  orderId: string | null;
  delta: [number, number, number, number];
  after: [number, number, number, number];
}

describe.each(KINDS)('the points repositories on %s', (kind) => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  let database: PointsDatabase;
  let adapters: PointsAdapters;

  async function open(): Promise<PointsAdapters> {
    database = await openPointsDatabase(kind, cleanups);
    adapters = pointsAdapters(database.transactions);
    return adapters;
  }

  const p = (n: number) => (kind === 'postgres' ? `$${n}` : '?');

  /** Runs `change` on the user's account (opened if none) in a transaction of its own, and saves it. */
  async function change(userId: string, work: (account: PointsAccount) => void, host = adapters): Promise<PointsAccount> {
    return host.transactions.run(async () => {
      const account = (await host.accounts.findForUpdate(userId)) ?? PointsAccount.open(userId, NOW);
      work(account);
      await host.accounts.save(account);
      return account;
    });
  }

  async function ledgerOf(userId: string): Promise<LedgerLine[]> {
    const rows = await database.query<Record<string, string | number | null>>(
      `SELECT entry_key, kind, order_id, delta_available, delta_frozen, delta_earned, delta_debt, available_after, frozen_after, lifetime_earned_after, debt_after
       FROM points_ledger WHERE user_id = ${p(1)} ORDER BY seq`,
      [userId],
    );
    return rows.map((row) => ({
      key: row['entry_key'] as string,
      kind: row['kind'] as string,
      orderId: row['order_id'] as string | null,
      delta: [Number(row['delta_available']), Number(row['delta_frozen']), Number(row['delta_earned']), Number(row['delta_debt'])],
      after: [Number(row['available_after']), Number(row['frozen_after']), Number(row['lifetime_earned_after']), Number(row['debt_after'])],
    }));
  }

  async function storedAccount(userId: string) {
    const [row] = await database.query<Record<string, string | number>>(
      `SELECT available, frozen, lifetime_earned, debt, version FROM points_account WHERE user_id = ${p(1)}`,
      [userId],
    );
    return row && Object.fromEntries(Object.entries(row).map(([column, value]) => [column, Number(value)]));
  }

  describe('accounts and their ledger', () => {
    it('stores a new account with its entries and loads it back as it was saved', async () => {
      await open();
      const userId = newId();
      const orderId = newId();
      await change(userId, (account) => {
        account.grantSignupBonus(points(100), NOW);
        account.freeze(orderId, points(30), at(1000));
      });
      const loaded = await adapters.transactions.run(() => adapters.accounts.findForUpdate(userId));
      expect(loaded?.toSnapshot()).toEqual({ userId, available: 70, frozen: 30, lifetimeEarned: 100, debt: 0, createdAt: NOW, updatedAt: at(1000) });
      expect(loaded?.pendingEntries).toEqual([]);
      expect(await storedAccount(userId)).toEqual({ available: 70, frozen: 30, lifetime_earned: 100, debt: 0, version: 0 });
    });

    it('finds no account for a user without one, nor for an id that is not a uuid', async () => {
      await open();
      expect(await adapters.transactions.run(() => adapters.accounts.findForUpdate(newId()))).toBeNull();
      expect(await adapters.transactions.run(() => adapters.accounts.findForUpdate('not-a-uuid'))).toBeNull();
    });

    it('writes nothing for an account opened and left empty', async () => {
      await open();
      const userId = newId();
      await change(userId, (account) => account.grantSignupBonus(Points.zero, NOW));
      expect(await database.count('points_account')).toBe(0);
      expect(await database.count('points_ledger')).toBe(0);
    });

    it('appends every change as one entry with the balances after it, in order, and bumps the version per save', async () => {
      await open();
      const userId = newId();
      const paid = newId();
      const refunded = newId();
      await change(userId, (account) => account.grantSignupBonus(points(100), NOW));
      await change(userId, (account) => account.freeze(paid, points(40), NOW));
      await change(userId, (account) => {
        account.spend(paid, points(40), NOW);
        account.earn(paid, points(25), NOW);
      });
      // A refund after the points earned were spent: what cannot be clawed back is debt, settled by the next credit.
      await change(userId, (account) => account.freeze(refunded, points(85), NOW));
      await change(userId, (account) => account.spend(refunded, points(85), NOW));
      await change(userId, (account) => account.clawBack(paid, points(25), NOW));
      await change(userId, (account) => account.returnSpent(paid, points(40), NOW));

      expect(await ledgerOf(userId)).toEqual([
        { key: `BONUS:${userId}`, kind: 'BONUS', orderId: null, delta: [100, 0, 100, 0], after: [100, 0, 100, 0] },
        { key: `FREEZE:${paid}`, kind: 'FREEZE', orderId: paid, delta: [-40, 40, 0, 0], after: [60, 40, 100, 0] },
        { key: `SPEND:${paid}`, kind: 'SPEND', orderId: paid, delta: [0, -40, 0, 0], after: [60, 0, 100, 0] },
        { key: `EARN:${paid}`, kind: 'EARN', orderId: paid, delta: [25, 0, 25, 0], after: [85, 0, 125, 0] },
        { key: `FREEZE:${refunded}`, kind: 'FREEZE', orderId: refunded, delta: [-85, 85, 0, 0], after: [0, 85, 125, 0] },
        { key: `SPEND:${refunded}`, kind: 'SPEND', orderId: refunded, delta: [0, -85, 0, 0], after: [0, 0, 125, 0] },
        { key: `DEBT:${paid}`, kind: 'DEBT', orderId: paid, delta: [0, 0, -25, 25], after: [0, 0, 100, 25] },
        { key: `REFUND:${paid}`, kind: 'REFUND', orderId: paid, delta: [40, 0, 0, 0], after: [40, 0, 100, 25] },
        { key: `DEBT_SETTLED:REFUND:${paid}`, kind: 'DEBT_SETTLED', orderId: paid, delta: [-25, 0, 0, -25], after: [15, 0, 100, 0] },
      ]);
      expect(await storedAccount(userId)).toEqual({ available: 15, frozen: 0, lifetime_earned: 100, debt: 0, version: 6 });
      expect(await adapters.transactions.run(() => adapters.accounts.hasLedgerEntry(`BONUS:${userId}`))).toBe(true);
      expect(await adapters.transactions.run(() => adapters.accounts.hasLedgerEntry(`BONUS:${newId()}`))).toBe(false);
    });

    it('saves one account twice in one transaction: the second save writes only the new entries', async () => {
      await open();
      const userId = newId();
      await adapters.transactions.run(async () => {
        const account = PointsAccount.open(userId, NOW);
        account.grantSignupBonus(points(100), NOW);
        await adapters.accounts.save(account);
        account.earn(newId(), points(5), NOW);
        await adapters.accounts.save(account);
      });
      expect((await ledgerOf(userId)).map((line) => line.kind)).toEqual(['BONUS', 'EARN']);
      expect(await storedAccount(userId)).toMatchObject({ available: 105, version: 1 });
    });

    it('refuses an entry whose key is already in the ledger: nothing of that save is kept', async () => {
      await open();
      const userId = newId();
      await change(userId, (account) => account.grantSignupBonus(points(100), NOW));
      // A second bonus (its check skipped): the same key, BONUS:<userId>.
      await expect(
        change(userId, (account) => {
          account.earn(newId(), points(7), NOW);
          account.grantSignupBonus(points(100), NOW);
        }),
      ).rejects.toThrow(/unique|duplicate/i);
      expect((await ledgerOf(userId)).map((line) => line.key)).toEqual([`BONUS:${userId}`]);
      expect(await storedAccount(userId)).toEqual({ available: 100, frozen: 0, lifetime_earned: 100, debt: 0, version: 0 });
    });

    it('keeps the balance and its ledger together when the schema refuses a negative available (the CHECK rolls the whole transaction back)', async () => {
      await open();
      const userId = newId();
      await change(userId, (account) => account.grantSignupBonus(points(100), NOW));
      await expect(
        adapters.transactions.run(async () => {
          const account = (await adapters.accounts.findForUpdate(userId))!;
          account.freeze(newId(), points(60), NOW);
          await adapters.accounts.save(account);
          // What a bug writing beside the aggregate would do: 40 left, 41 taken.
          await adapters.transactions.manager.query(`UPDATE points_account SET available = available - 41 WHERE user_id = ${p(1)}`, [userId]);
        }),
      ).rejects.toThrow(/constraint|check/i);
      expect(await storedAccount(userId)).toEqual({ available: 100, frozen: 0, lifetime_earned: 100, debt: 0, version: 0 });
      expect((await ledgerOf(userId)).map((line) => line.kind)).toEqual(['BONUS']);
    });

    it('refuses to save an account changed since it was loaded (stale version), and writes none of its entries', async () => {
      await open();
      const userId = newId();
      await change(userId, (account) => account.grantSignupBonus(points(100), NOW));
      const early = (await adapters.transactions.run(() => adapters.accounts.findForUpdate(userId)))!;
      await change(userId, (account) => account.earn(newId(), points(10), NOW));

      const lateOrder = newId();
      const error = await adapters.transactions
        .run(async () => {
          early.freeze(lateOrder, points(100), NOW);
          await adapters.accounts.save(early);
        })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StaleAggregateError);
      expect(error).toMatchObject({ table: 'points_account', id: userId, expectedVersion: 0 });
      expect(await storedAccount(userId)).toEqual({ available: 110, frozen: 0, lifetime_earned: 110, debt: 0, version: 1 });
      expect((await ledgerOf(userId)).map((line) => line.kind)).toEqual(['BONUS', 'EARN']);
    });

    it('refuses a second first account of one user (no upsert): the primary key keeps the first one’s balance', async () => {
      await open();
      const userId = newId();
      await change(userId, (account) => account.grantSignupBonus(points(100), NOW));
      await expect(
        adapters.transactions.run(async () => {
          const fresh = PointsAccount.open(userId, NOW);
          fresh.earn(newId(), points(1), NOW);
          await adapters.accounts.save(fresh);
        }),
      ).rejects.toThrow(/unique|duplicate|primary/i);
      expect(await storedAccount(userId)).toMatchObject({ available: 100, version: 0 });
    });

    it.runIf(kind === 'postgres')(
      'serialises two transactions on one account (FOR UPDATE): the second waits for the first, then sees what it left',
      async () => {
        await open();
        const other = pointsAdapters(await database.openAnotherInstance());
        const userId = newId();
        await change(userId, (account) => account.grantSignupBonus(points(100), NOW));

        let releaseFirst!: () => void;
        const firstMayCommit = new Promise<void>((resolve) => (releaseFirst = resolve));
        let firstLocked!: () => void;
        const locked = new Promise<void>((resolve) => (firstLocked = resolve));
        // The first one holds the row: its freeze of 20 is saved, its transaction kept open until told.
        const first = adapters.transactions.run(async () => {
          const account = (await adapters.accounts.findForUpdate(userId))!;
          firstLocked();
          account.freeze(newId(), points(20), NOW);
          await adapters.accounts.save(account);
          await firstMayCommit;
        });
        await locked;

        // The second one, on another instance, wants 80 of the same account and waits on the lock.
        let seen: number | undefined;
        const second = change(
          userId,
          (account) => {
            seen = account.available;
            account.freeze(newId(), points(80), NOW);
          },
          other,
        );
        await waitFor(
          async () =>
            (
              await database.query<{ n: string }>(
                `SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FROM points_account%FOR UPDATE%'`,
              )
            )[0]!.n === '1',
          { what: 'the second transaction to wait on the account row' },
        );
        expect(seen).toBeUndefined();
        releaseFirst();
        await first;
        await second;
        // Not the 100 it would have read without the lock (and then failed stale): what the first one left.
        expect(seen).toBe(80);
        expect(await storedAccount(userId)).toEqual({ available: 0, frozen: 100, lifetime_earned: 100, debt: 0, version: 2 });
      },
    );
  });

  describe('orders', () => {
    it('stores a reservation with its points.reserved.v1 in the outbox, and loads it back through every transition', async () => {
      await open();
      const orderId = newId();
      const userId = newId();
      await adapters.transactions.run(() => adapters.orders.save(OrderPoints.reserved(orderId, userId, points(30), NOW)));
      expect(await outboxRows(adapters.transactions)).toEqual([
        { type: 'points.reserved.v1', aggregateId: orderId, payload: { orderId, userId, points: 30, reservedAt: NOW.toISOString() } },
      ]);
      await adapters.transactions.run(async () => {
        const order = (await adapters.orders.findForUpdate(orderId.toUpperCase()))!;
        expect(order.confirmPaid(points(12), at(1000))).toBe(true);
        await adapters.orders.save(order);
      });
      const paid = await adapters.transactions.run(() => adapters.orders.findForUpdate(orderId));
      expect(paid?.toSnapshot()).toEqual({ orderId, userId, status: 'PAID', points: 30, earned: 12, reason: null, createdAt: NOW, updatedAt: at(1000) });
      expect(await outboxRows(adapters.transactions)).toHaveLength(1);
    });

    it('stores a tombstone without a user and a rejection with its reason and points.reservation-rejected.v1', async () => {
      await open();
      const cancelled = newId();
      const poor = newId();
      const userId = newId();
      await adapters.transactions.run(async () => {
        await adapters.orders.save(OrderPoints.tombstone(cancelled, NOW));
        await adapters.orders.save(OrderPoints.rejected(poor, userId, points(500), 'INSUFFICIENT_POINTS', NOW));
      });
      await adapters.transactions.run(async () => {
        const tombstone = (await adapters.orders.findForUpdate(cancelled))!;
        expect(tombstone.isTombstone).toBe(true);
        expect(tombstone.userId).toBeNull();
        tombstone.rejectLate(userId, points(40), at(5));
        await adapters.orders.save(tombstone);
      });
      const rows = await database.query<{ order_id: string; user_id: string | null; status: string; reason: string | null; version: number }>(
        `SELECT order_id, user_id, status, reason, version FROM points_order ORDER BY created_at, status`,
      );
      expect(rows.map((row) => ({ ...row, version: Number(row.version) })).sort((a, b) => a.order_id.localeCompare(b.order_id))).toEqual(
        [
          { order_id: cancelled, user_id: userId, status: 'REJECTED', reason: 'ORDER_CANCELLED', version: 1 },
          { order_id: poor, user_id: userId, status: 'REJECTED', reason: 'INSUFFICIENT_POINTS', version: 0 },
        ].sort((a, b) => a.order_id.localeCompare(b.order_id)),
      );
      expect((await outboxRows(adapters.transactions)).map((row) => [row.type, row.aggregateId, row.payload['reason']])).toEqual([
        ['points.reservation-rejected.v1', poor, 'INSUFFICIENT_POINTS'],
        ['points.reservation-rejected.v1', cancelled, 'ORDER_CANCELLED'],
      ]);
    });

    it('refuses a stale order and a second first row for one order', async () => {
      await open();
      const orderId = newId();
      const userId = newId();
      await adapters.transactions.run(() => adapters.orders.save(OrderPoints.reserved(orderId, userId, points(30), NOW)));
      const early = (await adapters.transactions.run(() => adapters.orders.findForUpdate(orderId)))!;
      await adapters.transactions.run(async () => {
        const order = (await adapters.orders.findForUpdate(orderId))!;
        order.release(NOW);
        await adapters.orders.save(order);
      });
      await expect(
        adapters.transactions.run(async () => {
          early.confirmPaid(points(1), NOW);
          await adapters.orders.save(early);
        }),
      ).rejects.toBeInstanceOf(StaleAggregateError);
      await expect(adapters.transactions.run(() => adapters.orders.save(OrderPoints.tombstone(orderId, NOW)))).rejects.toThrow(/unique|duplicate|primary/i);
      expect(await database.query(`SELECT status FROM points_order`)).toEqual([{ status: 'RELEASED' }]);
    });
  });

  describe('queries', () => {
    it('answers the balance (zeros without an account) and the ledger newest first, a page at a time by seq', async () => {
      await open();
      const userId = newId();
      const orders = [newId(), newId(), newId()];
      await change(userId, (account) => account.grantSignupBonus(points(100), NOW));
      for (const [i, orderId] of orders.entries()) await change(userId, (account) => account.earn(orderId, points(i + 1), at(i + 1)));
      await change(newId(), (account) => account.grantSignupBonus(points(100), NOW));

      expect(await adapters.queries.balanceOf(userId)).toEqual({ available: 106, frozen: 0, lifetimeEarned: 106, debt: 0 });
      expect(await adapters.queries.balanceOf(newId())).toEqual({ available: 0, frozen: 0, lifetimeEarned: 0, debt: 0 });

      const first = await adapters.queries.ledgerOf(userId, { beforeSeq: null, limit: 2 });
      expect(first.hasMore).toBe(true);
      expect(first.entries.map((entry) => entry.key)).toEqual([`EARN:${orders[2]}`, `EARN:${orders[1]}`]);
      expect(first.entries[0]).toMatchObject({
        userId,
        kind: 'EARN',
        orderId: orders[2],
        delta: { available: 3, frozen: 0, earned: 3, debt: 0 },
        after: { available: 106, frozen: 0, lifetimeEarned: 106, debt: 0 },
        createdAt: at(3),
      });
      const second = await adapters.queries.ledgerOf(userId, { beforeSeq: first.entries.at(-1)!.seq, limit: 2 });
      expect(second).toMatchObject({ hasMore: false });
      expect(second.entries.map((entry) => entry.key)).toEqual([`EARN:${orders[0]}`, `BONUS:${userId}`]);
      expect(second.entries[1]!.seq).toBeLessThan(second.entries[0]!.seq);
      expect(await adapters.queries.ledgerOf(newId(), { beforeSeq: null, limit: 50 })).toEqual({ entries: [], hasMore: false });
    });

    it('never answers from a save still open (SQLite: one shared connection), here one rolled back half-way', async () => {
      await open();
      const userId = newId();
      await change(userId, (account) => account.grantSignupBonus(points(100), NOW));
      let written!: () => void;
      const halfWritten = new Promise<void>((resolve) => (written = resolve));
      let rollBack!: () => void;
      const rollBackNow = new Promise<void>((resolve) => (rollBack = resolve));
      // A save half-way: the row changed, its ledger entry not yet written.
      const save = adapters.transactions.run(async () => {
        await adapters.transactions.manager.query(`UPDATE points_account SET available = 30, frozen = 70 WHERE user_id = ${p(1)}`, [userId]);
        written();
        await rollBackNow;
        throw new Error('rolled back');
      });
      await halfWritten;

      const balance = adapters.queries.balanceOf(userId);
      const ledger = adapters.queries.ledgerOf(userId, { beforeSeq: null, limit: 50 });
      const check = adapters.reconciliation.checkPage({ afterUserId: null, limit: 10 });
      // Given every chance to run inside the open transaction before it ends.
      await new Promise((resolve) => setTimeout(resolve, 20));
      rollBack();
      await expect(save).rejects.toThrow('rolled back');

      expect(await balance).toEqual({ available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 });
      expect((await ledger).entries.map((entry) => entry.kind)).toEqual(['BONUS']);
      expect(await check).toMatchObject({ mismatches: [], checked: 1 });
    });
  });
});
