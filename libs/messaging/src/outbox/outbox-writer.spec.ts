import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventSchemaRegistry, Type, defineEvent } from '@shop/contracts';
import { TransactionHost, openDataSource } from '@shop/persistence';
import { messagingMigrations } from '../migrations/index.js';
import { OutboxSignal } from './outbox-signal.js';
import { OutboxPayloadTooLargeError, OutboxWriter } from './outbox-writer.js';

const Noted = defineEvent('test.noted.v1', Type.Object({ n: Type.Integer(), note: Type.Optional(Type.String()) }, { additionalProperties: false }));

describe('OutboxWriter (SQLite)', () => {
  let transactions: TransactionHost;
  let writer: OutboxWriter;

  beforeEach(async () => {
    const dataSource = await openDataSource({ service: 'writer_spec', sqliteDir: ':memory:', entities: [], migrations: messagingMigrations });
    transactions = new TransactionHost(dataSource);
    writer = new OutboxWriter(transactions, new EventSchemaRegistry([Noted]), new OutboxSignal(), { source: 'spec', partitions: 4, maxPayloadBytes: 1_000 });
  });

  afterEach(async () => {
    await transactions.dataSource.destroy();
  });

  const event = (aggregateId: string, n: number, note?: string) => ({ type: Noted.type, aggregateId, payload: note === undefined ? { n } : { n, note } });
  const add = (...events: Array<ReturnType<typeof event>>) => transactions.run(() => writer.add(...events));
  /** [aggregate, n, aggregate_seq] in outbox order, and how many are pending. */
  const written = async () => {
    const rows = (await transactions.dataSource.query(`SELECT aggregate_id, payload, aggregate_seq FROM outbox ORDER BY seq`)) as Array<{
      aggregate_id: string;
      payload: string;
      aggregate_seq: number;
    }>;
    return rows.map((r) => [r.aggregate_id, (JSON.parse(r.payload) as { n: number }).n, Number(r.aggregate_seq)]);
  };
  const pending = async () => Number(((await transactions.dataSource.query(`SELECT COUNT(*) AS c FROM outbox_pending`)) as Array<{ c: number }>)[0]!.c);

  it('numbers the events of each aggregate 1, 2, 3, … across calls and transactions, interleaved with other aggregates', async () => {
    await add(event('a', 1), event('b', 10), event('a', 2));
    await transactions.run(async () => {
      await writer.add(event('b', 11));
      await writer.add(event('a', 3), event('a', 4));
    });
    await add(event('c', 20), event('b', 12), event('a', 5));
    expect(await written()).toEqual([
      ['a', 1, 1],
      ['b', 10, 1],
      ['a', 2, 2],
      ['b', 11, 2],
      ['a', 3, 3],
      ['a', 4, 4],
      ['c', 20, 1],
      ['b', 12, 3],
      ['a', 5, 5],
    ]);
    expect(await pending()).toBe(9);
  });

  it('takes no number for events whose transaction rolled back, so the sequence has no gap', async () => {
    await add(event('a', 1));
    await expect(
      transactions.run(async () => {
        await writer.add(event('a', 2), event('a', 3));
        throw new Error('use case failed after writing its events');
      }),
    ).rejects.toThrow(/use case failed/);
    await add(event('a', 4));
    expect(await written()).toEqual([
      ['a', 1, 1],
      ['a', 4, 2],
    ]);
  });

  it('writes more events in one call than SQLite takes parameters in one statement (11 per event, 32,766 at most), numbered in call order', async () => {
    // 4,000 aggregates and 12,000 events: every statement of the write would be over the limit unchunked.
    const events = Array.from({ length: 12_000 }, (_, n) => event(`agg-${n % 4_000}`, n));
    await add(...events);
    expect(await pending()).toBe(12_000);
    const rows = await written();
    expect(rows).toHaveLength(12_000);
    rows.forEach(([aggregateId, n, aggregateSeq], i) => {
      expect([aggregateId, n]).toEqual([`agg-${i % 4_000}`, i]);
      expect(aggregateSeq).toBe(Math.floor(i / 4_000) + 1);
    });
    await add(event('agg-7', 12_000));
    expect((await written()).at(-1)).toEqual(['agg-7', 12_000, 4]);
  });

  it('refuses a payload over the size limit with the type, size and limit, and writes nothing of the call or its transaction', async () => {
    await add(event('a', 1));
    const note = 'é'.repeat(500); // 1,000 bytes of UTF-8 in 500 characters
    const error = await transactions
      .run(async () => {
        await transactions.manager.query(`INSERT INTO outbox_aggregate_sequence (aggregate_id, last_seq) VALUES ('use-case-state', 1)`);
        await writer.add(event('a', 2), event('a', 3, note));
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutboxPayloadTooLargeError);
    expect(error).toMatchObject({ eventType: Noted.type, sizeBytes: Buffer.byteLength(JSON.stringify({ n: 3, note })), limitBytes: 1_000 });
    expect((error as Error).message).toMatch(/'test\.noted\.v1' payload is 1017 bytes of JSON, over the outbox limit of 1000 bytes/);
    expect(await written()).toEqual([['a', 1, 1]]);
    expect(await pending()).toBe(1);
    expect(await transactions.dataSource.query(`SELECT aggregate_id, last_seq FROM outbox_aggregate_sequence`)).toEqual([{ aggregate_id: 'a', last_seq: 1 }]);

    // At the limit exactly is fine.
    await add(event('a', 2, 'x'.repeat(1_000 - JSON.stringify({ n: 2, note: '' }).length)));
    expect((await written()).at(-1)).toEqual(['a', 2, 2]);
  });

  it('refuses payloads over 512 KiB by default', async () => {
    const byDefault = new OutboxWriter(transactions, new EventSchemaRegistry([Noted]), new OutboxSignal(), { source: 'spec', partitions: 4 });
    await expect(transactions.run(() => byDefault.add(event('a', 1, 'x'.repeat(512 * 1024))))).rejects.toThrow(/over the outbox limit of 524288 bytes/);
    await transactions.run(() => byDefault.add(event('a', 1, 'x'.repeat(512 * 1024 - 100))));
    expect(await written()).toHaveLength(1);
  });
});
