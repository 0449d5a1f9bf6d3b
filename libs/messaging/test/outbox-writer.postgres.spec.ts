import { afterEach, describe, expect, it } from 'vitest';
import { EventSchemaRegistry, Type, defineEvent } from '@shop/contracts';
import { TransactionHost, databaseNameOf, openDataSource } from '@shop/persistence';
import { TEST_POSTGRES_URL, dropDatabase, sleep, uniqueServiceName } from '@shop/testing';
import { OutboxPayloadTooLargeError, OutboxSignal, OutboxWriter, messagingMigrations } from '../src/index.js';

const Noted = defineEvent(
  'test.noted.v1',
  Type.Object({ writer: Type.Integer(), n: Type.Integer(), note: Type.Optional(Type.String()) }, { additionalProperties: false }),
);

describe('outbox writer on PostgreSQL', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function open(poolSize: number) {
    const service = uniqueServiceName();
    cleanups.push(() => dropDatabase(databaseNameOf(service)));
    const dataSource = await openDataSource({ service, postgresUrl: TEST_POSTGRES_URL, entities: [], migrations: messagingMigrations, poolSize });
    cleanups.push(() => dataSource.destroy());
    const transactions = new TransactionHost(dataSource);
    const writer = new OutboxWriter(transactions, new EventSchemaRegistry([Noted]), new OutboxSignal(), {
      source: 'spec',
      partitions: 8,
      maxPayloadBytes: 2_000,
    });
    return { transactions, writer };
  }

  it('concurrent writers of one aggregate take distinct, gap-free numbers in the order of their rows, even when some roll back', async () => {
    const { transactions, writer } = await open(8);
    const writers = 6;
    const rounds = 8;
    let rolledBack = 0;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let round = 0; round < rounds; round++) {
          const fail = (w + round) % 5 === 0;
          await transactions
            .run(async () => {
              // One or two events of the hot aggregate, mixed with a writer-private one.
              const hot = Array.from({ length: 1 + (round % 2) }, (_, k) => ({
                type: Noted.type,
                aggregateId: 'hot',
                payload: { writer: w, n: round * 10 + k },
              }));
              await writer.add({ type: Noted.type, aggregateId: `own-${w}`, payload: { writer: w, n: round } }, ...hot);
              // Hold the counter's lock a moment so that the other writers queue behind it.
              await sleep(5);
              if (fail) throw new Error('rolled back on purpose');
            })
            .catch((error: unknown) => {
              if (!fail) throw error;
              rolledBack++;
            });
        }
      }),
    );
    expect(rolledBack).toBeGreaterThan(0);
    const hot = (await transactions.dataSource.query(`SELECT aggregate_seq FROM outbox WHERE aggregate_id = 'hot' ORDER BY seq`)) as Array<{
      aggregate_seq: string;
    }>;
    const committedHot = Array.from({ length: writers }, (_, w) => Array.from({ length: rounds }, (_, round) => ((w + round) % 5 === 0 ? 0 : 1 + (round % 2))))
      .flat()
      .reduce((a, b) => a + b, 0);
    expect(hot.map((r) => Number(r.aggregate_seq))).toEqual(Array.from({ length: committedHot }, (_, i) => i + 1));
    const [counter] = (await transactions.dataSource.query(`SELECT last_seq FROM outbox_aggregate_sequence WHERE aggregate_id = 'hot'`)) as Array<{
      last_seq: string;
    }>;
    expect(Number(counter!.last_seq)).toBe(committedHot);
    for (let w = 0; w < writers; w++) {
      const own = (await transactions.dataSource.query(`SELECT aggregate_seq FROM outbox WHERE aggregate_id = $1 ORDER BY seq`, [`own-${w}`])) as Array<{
        aggregate_seq: string;
      }>;
      expect(own.map((r) => Number(r.aggregate_seq))).toEqual(Array.from({ length: own.length }, (_, i) => i + 1));
    }
    const [{ pending }] = (await transactions.dataSource.query(`SELECT (SELECT COUNT(*) FROM outbox_pending) - (SELECT COUNT(*) FROM outbox) AS pending`)) as [
      { pending: string },
    ];
    expect(Number(pending)).toBe(0);
  });

  it('stores every column exactly, whatever characters the payload holds', async () => {
    const { transactions, writer } = await open(2);
    const note = 'quotes " and \\ backslashes, {braces,commas}, NULL, é ✓ 𝄞, a\nnew line';
    await transactions.run(() =>
      writer.add(
        { type: Noted.type, aggregateId: 'NULL', payload: { writer: 1, n: 1, note } },
        { type: Noted.type, aggregateId: 'b"\\', payload: { writer: 1, n: 2 } },
      ),
    );
    const rows = (await transactions.dataSource.query(
      `SELECT aggregate_id, causation_id, payload, aggregate_seq, source, type FROM outbox ORDER BY seq`,
    )) as Array<Record<string, unknown>>;
    expect(rows).toEqual([
      { aggregate_id: 'NULL', causation_id: null, payload: JSON.stringify({ writer: 1, n: 1, note }), aggregate_seq: '1', source: 'spec', type: Noted.type },
      { aggregate_id: 'b"\\', causation_id: null, payload: JSON.stringify({ writer: 1, n: 2 }), aggregate_seq: '1', source: 'spec', type: Noted.type },
    ]);
  });

  it('refuses an oversize payload and writes nothing', async () => {
    const { transactions, writer } = await open(2);
    const error = await transactions
      .run(() =>
        writer.add(
          { type: Noted.type, aggregateId: 'a', payload: { writer: 1, n: 1 } },
          { type: Noted.type, aggregateId: 'a', payload: { writer: 1, n: 2, note: 'x'.repeat(2_000) } },
        ),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutboxPayloadTooLargeError);
    const [{ rows }] = (await transactions.dataSource.query(
      `SELECT (SELECT COUNT(*) FROM outbox) + (SELECT COUNT(*) FROM outbox_pending) + (SELECT COUNT(*) FROM outbox_aggregate_sequence) AS rows`,
    )) as [{ rows: string }];
    expect(Number(rows)).toBe(0);
  });
});
