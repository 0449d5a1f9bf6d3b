import { beforeEach, describe, expect, it } from 'vitest';
import { PointsLedgerEntry } from '@shop/contracts';
import { newId } from '@shop/shared-kernel';
import { assertMatchesSchema, codeOf } from '@shop/testing';
import { pointsApplicationFixture, type PointsApplicationFixture } from '../../testing/points-application.fixture.js';
import { encodeLedgerCursor } from './ledger-cursor.js';

describe('ListMyPointsLedgerHandler', () => {
  let f: PointsApplicationFixture;
  const userId = newId();
  const orderId = newId();
  beforeEach(() => {
    f = pointsApplicationFixture();
  });

  it('lists the user’s entries newest first in the contract’s shape, nobody else’s, with no next page when all fit', async () => {
    await f.givenAccount(userId, 100);
    await f.givenAccount(newId(), 50);
    f.clock.advance(60_000);
    await f.handlers.reserve.execute({ orderId, userId, points: 30 });

    const { entries, nextCursor } = await f.handlers.listMyLedger.execute({ userId });

    expect(nextCursor).toBeNull();
    expect(entries).toEqual([
      {
        entryId: `FREEZE:${orderId}`,
        kind: 'FREEZE',
        delta: -30,
        frozenDelta: 30,
        debtDelta: 0,
        availableAfter: 70,
        frozenAfter: 30,
        debtAfter: 0,
        orderId,
        createdAt: '2026-02-01T08:01:00.000Z',
      },
      {
        entryId: `BONUS:${userId}`,
        kind: 'BONUS',
        delta: 100,
        frozenDelta: 0,
        debtDelta: 0,
        availableAfter: 100,
        frozenAfter: 0,
        debtAfter: 0,
        orderId: null,
        createdAt: '2026-02-01T08:00:00.000Z',
      },
    ]);
    for (const entry of entries) assertMatchesSchema(PointsLedgerEntry, entry);
  });

  it('pages through the whole ledger with the cursor, each entry once, stable while new entries arrive', async () => {
    await f.givenAccount(userId, 1_000);
    const orders = Array.from({ length: 4 }, () => newId());
    for (const id of orders) await f.handlers.reserve.execute({ orderId: id, userId, points: 10 });
    const all = (await f.handlers.listMyLedger.execute({ userId })).entries.map((e) => e.entryId);
    expect(all).toHaveLength(5);

    const first = await f.handlers.listMyLedger.execute({ userId, limit: 2 });
    expect(first.entries.map((e) => e.entryId)).toEqual(all.slice(0, 2));
    expect(first.nextCursor).toMatch(/^[A-Za-z0-9_-]{1,64}$/);

    // A new entry after the first page: it is on no later page (it is newer than all of them).
    await f.handlers.release.execute({ orderId: orders[0]!, pointsToUse: 10 });

    const second = await f.handlers.listMyLedger.execute({ userId, limit: 2, cursor: first.nextCursor! });
    expect(second.entries.map((e) => e.entryId)).toEqual(all.slice(2, 4));
    const third = await f.handlers.listMyLedger.execute({ userId, limit: 2, cursor: second.nextCursor! });
    expect(third.entries.map((e) => e.entryId)).toEqual(all.slice(4));
    expect(third.nextCursor).toBeNull();
  });

  it('gives no next page when the last page is exactly full', async () => {
    await f.givenAccount(userId, 100);
    await f.handlers.reserve.execute({ orderId, userId, points: 10 });
    expect((await f.handlers.listMyLedger.execute({ userId, limit: 2 })).nextCursor).toBeNull();
  });

  it('lists 50 by default and at most 200', async () => {
    await f.givenAccount(userId, 1_000);
    for (let i = 0; i < 210; i++) await f.handlers.confirm.execute({ orderId: newId(), userId, pointsToUse: 0, amountPaid: 100 });

    const byDefault = await f.handlers.listMyLedger.execute({ userId });
    expect(byDefault.entries).toHaveLength(50);
    expect(byDefault.nextCursor).not.toBeNull();
    expect((await f.handlers.listMyLedger.execute({ userId, limit: 200 })).entries).toHaveLength(200);
  });

  it.each([0, 201, 1.5, -1])('refuses a limit of %s', async (limit) => {
    expect(await codeOf(f.handlers.listMyLedger.execute({ userId, limit }))).toBe('INVALID_VALUE');
  });

  it.each<[string, string]>([
    ['characters outside base64url', 'MTIz='],
    ['an empty cursor', ''],
    ['a cursor of zero', encodeLedgerCursor(0)],
    ['a cursor that is not a number', Buffer.from('abc').toString('base64url')],
    ['a negative cursor', Buffer.from('-5').toString('base64url')],
    ['a padded number', Buffer.from('007').toString('base64url')],
    ['a number beyond a safe integer', Buffer.from('99999999999999999').toString('base64url')],
    ['another spelling of a valid cursor', 'MR'],
    ['far too long', 'A'.repeat(65)],
  ])('refuses %s with INVALID_CURSOR on the cursor field', async (_, cursor) => {
    await expect(f.handlers.listMyLedger.execute({ userId, cursor })).rejects.toMatchObject({ code: 'INVALID_CURSOR', details: { field: 'cursor' } });
  });

  it('accepts a cursor it handed out past the oldest entry: an empty page', async () => {
    await f.givenAccount(userId, 100);
    expect(await f.handlers.listMyLedger.execute({ userId, cursor: encodeLedgerCursor(1) })).toEqual({ entries: [], nextCursor: null });
    expect(encodeLedgerCursor(1)).toBe('MQ');
  });
});
