import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TransactionHost, openDataSource } from '@shop/persistence';
import { ManualClock } from '@shop/shared-kernel';
import { messagingMigrations } from '../migrations/index.js';
import { Inbox } from './inbox.js';

describe('Inbox (SQLite)', () => {
  let transactions: TransactionHost;
  const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));

  beforeEach(async () => {
    transactions = new TransactionHost(await openDataSource({ service: 'inbox_spec', sqliteDir: ':memory:', entities: [], migrations: messagingMigrations }));
  });

  afterEach(async () => {
    await transactions.dataSource.destroy();
  });

  it('prunes in chunks until every row past the retention is gone, and keeps the rest', async () => {
    const inbox = new Inbox(transactions, clock);
    for (let i = 0; i < 25; i++) await transactions.run(() => inbox.record(`old-${i}`, 'h'));
    clock.advance(60_000);
    for (let i = 0; i < 3; i++) await transactions.run(() => inbox.record(`new-${i}`, 'h'));
    expect(await inbox.prune(30_000, 10)).toBe(25);
    const left = (await transactions.dataSource.query(`SELECT message_id FROM inbox ORDER BY message_id`)) as Array<{ message_id: string }>;
    expect(left.map((r) => r.message_id)).toEqual(['new-0', 'new-1', 'new-2']);
    expect(await inbox.prune(30_000, 10)).toBe(0);
    // A pruned message is new again.
    expect(await transactions.run(() => inbox.record('old-0', 'h'))).toBe(true);
  });
});
