import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventSchemaRegistry, Type, defineEvent, type EventEnvelope } from '@shop/contracts';
import { TransactionHost, openDataSource } from '@shop/persistence';
import { ManualClock } from '@shop/shared-kernel';
import { sleep, waitFor } from '@shop/testing';
import { messagingMigrations } from '../migrations/index.js';
import { MessagingMetrics } from '../observability/messaging-metrics.js';
import { silentLogger } from '@shop/observability';
import { TransientDeliveryError, TransportUnavailableError, UnroutableError, type PublishOutcome, type Transport } from '../transport/transport.js';
import { OutboxRelay, defaultRelayOptions, type OutboxRelayOptions } from './outbox-relay.js';
import { OutboxSignal } from './outbox-signal.js';
import { OutboxWriter } from './outbox-writer.js';
import { partitionOf } from './partition.js';

const Ticked = defineEvent('test.ticked.v1', Type.Object({ n: Type.Integer() }, { additionalProperties: false }));

const numberOf = (envelope: EventEnvelope): number => (envelope.payload as { n: number }).n;

/** Records what the relay hands over; fails the envelopes the test chooses, the way the test chooses. */
class RecordingTransport implements Partial<Transport> {
  readonly kind = 'memory' as const;
  readonly published: EventEnvelope[] = [];
  /** Message-level failures (a nack of that message). */
  failing = new Set<number>();
  unroutable = new Set<number>();
  /** Every envelope fails with this error (the broker away, say). */
  failAll: (() => Error) | undefined;
  /** Runs before each batch is answered. */
  beforeAnswer: ((envelopes: readonly EventEnvelope[]) => Promise<void>) | undefined;
  batches = 0;
  inFlight = 0;
  isReady = () => true;
  async publishBatch(envelopes: readonly EventEnvelope[]): Promise<PublishOutcome[]> {
    this.batches++;
    this.inFlight++;
    try {
      await this.beforeAnswer?.(envelopes);
      return envelopes.map((e) => {
        const n = numberOf(e);
        if (this.failAll) return { ok: false, error: this.failAll() };
        if (this.failing.has(n)) return { ok: false, error: new Error(`refused ${n}`) };
        if (this.unroutable.has(n)) return { ok: false, error: new UnroutableError(e.type) };
        this.published.push(e);
        return { ok: true };
      });
    } finally {
      this.inFlight--;
    }
  }
}

describe('OutboxRelay (SQLite)', () => {
  let transactions: TransactionHost;
  let transport: RecordingTransport;
  let signal: OutboxSignal;
  let writer: OutboxWriter;
  let metrics: MessagingMetrics;
  let relay: OutboxRelay;
  const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
  const options: OutboxRelayOptions = { ...defaultRelayOptions, partitions: 4, batchSize: 3, retryBaseMs: 1_000 };
  const relayWith = (overrides: Partial<OutboxRelayOptions>) =>
    new OutboxRelay(transactions, transport as unknown as Transport, signal, metrics, silentLogger(), { ...options, ...overrides }, clock);

  beforeEach(async () => {
    const dataSource = await openDataSource({ service: 'relay_spec', sqliteDir: ':memory:', entities: [], migrations: messagingMigrations });
    transactions = new TransactionHost(dataSource);
    transport = new RecordingTransport();
    signal = new OutboxSignal();
    metrics = new MessagingMetrics();
    writer = new OutboxWriter(transactions, new EventSchemaRegistry([Ticked]), signal, { source: 'spec', partitions: options.partitions }, clock);
    relay = relayWith({});
  });

  afterEach(async () => {
    await relay.stop();
    await transactions.dataSource.destroy();
  });

  const add = (aggregateId: string, ...ns: number[]) =>
    transactions.run(() => writer.add(...ns.map((n) => ({ type: Ticked.type, aggregateId, payload: { n } }))));
  const sequenceOf = (aggregateId: string) => transport.published.filter((e) => e.aggregateId === aggregateId).map(numberOf);
  const pendingOf = async (aggregateId: string) =>
    (await transactions.dataSource.query(
      `SELECT json_extract(o.payload, '$.n') AS n, p.attempts FROM outbox_pending p JOIN outbox o ON o.seq = p.seq WHERE p.aggregate_id = ? ORDER BY p.seq`,
      [aggregateId],
    )) as Array<{ n: number; attempts: number }>;
  const deadRows = async () =>
    (await transactions.dataSource.query(`SELECT * FROM outbox_dead ORDER BY seq`)) as Array<{
      seq: number;
      aggregate_id: string;
      attempts: number;
      last_error: string;
    }>;
  const aggregateIn = (partition: number): string => {
    for (;;) {
      const id = randomUUID();
      if (partitionOf(id, options.partitions) === partition) return id;
    }
  };
  /** `count` pending rows of one aggregate in a single set-based statement pair (the writer would take minutes). */
  const bulkPending = async (aggregateId: string, count: number) => {
    const now = clock.now().getTime();
    await transactions.run(async () => {
      await transactions.manager.query(
        `WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < ?)
         INSERT INTO outbox (message_id, type, aggregate_id, partition_no, source, correlation_id, causation_id, occurred_at, payload, created_at)
         SELECT 'bulk-' || n, ?, ?, ?, 'spec', 'bulk', NULL, '2026-03-01T00:00:00.000Z', '{"n":' || n || '}', ? FROM k`,
        [count, Ticked.type, aggregateId, partitionOf(aggregateId, options.partitions), now],
      );
      await transactions.manager.query(
        `INSERT INTO outbox_pending (seq, partition_no, aggregate_id, created_at) SELECT seq, partition_no, aggregate_id, created_at FROM outbox WHERE aggregate_id = ?`,
        [aggregateId],
      );
    });
  };

  it('refuses to write outside a transaction', async () => {
    await expect(writer.add({ type: Ticked.type, aggregateId: 'a', payload: { n: 1 } })).rejects.toThrow(/inside UnitOfWork.run/);
  });

  it('publishes every pending row across batches, in order per aggregate, and marks them sent', async () => {
    const a = randomUUID();
    const b = randomUUID();
    await add(a, 1, 2, 3, 4, 5);
    await add(b, 10, 11);
    await add(a, 6, 7);
    expect(await relay.publishPending()).toBe(9);
    expect(sequenceOf(a)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(sequenceOf(b)).toEqual([10, 11]);
    expect((await relay.backlog()).pending).toBe(0);
    expect(await relay.publishPending()).toBe(0);
  });

  it('keeps a failed row pending with backoff, holds back its aggregate, and lets others of its partition flow', async () => {
    const a = randomUUID();
    let b = randomUUID();
    while (partitionOf(b, options.partitions) !== partitionOf(a, options.partitions)) b = randomUUID();
    transport.failing.add(2);
    await add(a, 1, 2, 3);
    await add(b, 20, 21);
    await relay.publishPending();
    expect(sequenceOf(b)).toEqual([20, 21]);
    await add(a, 4);
    await relay.publishPending();
    expect(sequenceOf(a)).not.toContain(4);
    expect((await pendingOf(a)).map((row) => row.n)).toEqual([2, 3, 4]);

    transport.failing.clear();
    clock.advance(500);
    await relay.publishPending();
    expect(sequenceOf(a)).not.toContain(2); // still backing off
    clock.advance(1_000);
    await relay.publishPending();
    expect(sequenceOf(a).slice(-3)).toEqual([2, 3, 4]);
    expect((await relay.backlog()).pending).toBe(0);
  });

  it('never marks a later row of an aggregate sent before its failed earlier row, and does not count it as an attempt', async () => {
    const a = randomUUID();
    const b = aggregateIn(partitionOf(a, options.partitions));
    transport.failing.add(2);
    await add(a, 1, 2, 3);
    await relay.publishPending();
    // The broker confirmed 3 (published in the same pipelined batch), but 2 failed before it.
    expect(sequenceOf(a)).toEqual([1, 3]);
    expect(await pendingOf(a)).toEqual([
      { n: 2, attempts: 1 },
      { n: 3, attempts: 0 },
    ]);
    await add(b, 30);
    await relay.publishPending();
    expect(sequenceOf(b)).toEqual([30]); // another aggregate is not held back

    transport.failing.clear();
    clock.advance(1_000);
    await relay.publishPending();
    expect(sequenceOf(a)).toEqual([1, 3, 2, 3]); // 3 again after 2: the consumer's inbox absorbs the copy
    expect(await pendingOf(a)).toEqual([]);
  });

  it('moves a row that failed maxAttempts times to outbox_dead, after which its aggregate flows again', async () => {
    relay = relayWith({ maxAttempts: 3 });
    const a = randomUUID();
    transport.failing.add(1);
    await add(a, 1, 2);
    for (let pass = 1; pass <= 2; pass++) {
      await relay.publishPending();
      expect(await pendingOf(a)).toEqual([
        { n: 1, attempts: pass },
        { n: 2, attempts: 0 },
      ]);
      expect(await deadRows()).toEqual([]);
      clock.advance(60_000);
    }
    await relay.publishPending(); // third failure: dead
    const dead = await deadRows();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ aggregate_id: a, attempts: 3, last_error: 'refused 1' });
    expect((await metrics.outboxDeadLettered.get()).values).toEqual([expect.objectContaining({ value: 1, labels: { type: Ticked.type } })]);
    expect((await pendingOf(a)).map((row) => row.n)).toEqual([2]); // confirmed in that batch but after 1: kept

    await relay.publishPending(); // no clock advance needed: 2 is not held back any more
    expect(sequenceOf(a).at(-1)).toBe(2);
    expect(await pendingOf(a)).toEqual([]);
    // The dead row's event stays in the outbox for the dlq command, whatever the retention.
    clock.advance(options.retentionMs + 1);
    await relay.prune();
    const [kept] = (await transactions.dataSource.query(`SELECT COUNT(*) AS n FROM outbox WHERE seq = ?`, [dead[0]!.seq])) as Array<{ n: number }>;
    expect(kept?.n).toBe(1);
  });

  it('never counts failures of the transport as a whole towards maxAttempts, but still backs them off', async () => {
    relay = relayWith({ maxAttempts: 2 });
    const a = randomUUID();
    await add(a, 1, 2);
    const wholeTransportFailures = [
      () => new TransportUnavailableError('not connected to the broker'),
      () => new TransportUnavailableError('no publisher confirm within 5000 ms'),
      () => new TransientDeliveryError('subscriber not started'),
    ];
    for (let round = 0; round < 9; round++) {
      transport.failAll = wholeTransportFailures[round % wholeTransportFailures.length];
      const batches = transport.batches;
      await relay.publishPending();
      expect(transport.batches).toBe(batches + 1);
      await relay.publishPending(); // backing off: not tried again yet
      expect(transport.batches).toBe(batches + 1);
      clock.advance(60_000);
    }
    expect(await pendingOf(a)).toEqual([
      { n: 1, attempts: 0 },
      { n: 2, attempts: 0 },
    ]);
    expect(await deadRows()).toEqual([]);

    transport.failAll = undefined;
    await relay.publishPending();
    expect(sequenceOf(a)).toEqual([1, 2]);
  });

  it('ends the pass when a batch fails whole for the transport, instead of trying every other partition', async () => {
    relay = relayWith({ concurrency: 1 });
    for (const partition of [0, 1, 2, 3]) await add(aggregateIn(partition), partition);
    transport.failAll = () => new TransportUnavailableError('no publisher confirm within 5000 ms');
    await relay.publishPending();
    expect(transport.batches).toBe(1);
    transport.failAll = undefined;
    clock.advance(1_000);
    expect(await relay.publishPending()).toBe(4);
  });

  it('goes on with the other partitions when a batch fails whole transiently (one subscriber away, not the transport)', async () => {
    relay = relayWith({ concurrency: 1 });
    for (const partition of [0, 1, 2, 3]) await add(aggregateIn(partition), partition);
    transport.failAll = () => new TransientDeliveryError('subscriber not consuming');
    await relay.publishPending();
    expect(transport.batches).toBe(4);
  });

  it('counts an unroutable publish in its metric, keeps the row pending and retries it', async () => {
    const a = randomUUID();
    transport.unroutable.add(1);
    await add(a, 1);
    await relay.publishPending();
    expect((await metrics.unroutable.get()).values).toEqual([expect.objectContaining({ value: 1, labels: { type: Ticked.type } })]);
    expect(await pendingOf(a)).toEqual([{ n: 1, attempts: 1 }]);
    transport.unroutable.clear();
    clock.advance(1_000);
    await relay.publishPending();
    expect(sequenceOf(a)).toEqual([1]);
  });

  it('puts the per-aggregate sequence number of the row on the envelope', async () => {
    const a = randomUUID();
    await add(a, 1, 2);
    await transactions.dataSource.query(`UPDATE outbox SET aggregate_seq = json_extract(payload, '$.n') + 40 WHERE aggregate_id = ?`, [a]);
    await relay.publishPending();
    expect(transport.published.map((e) => e.sequence)).toEqual([41, 42]);
  });

  it('takes a bounded number of batches from a hot partition per pass, so a quiet partition waits one pass at most', async () => {
    relay = relayWith({ batchSize: 500, batchesPerPartition: 4, concurrency: 1 });
    const hot = aggregateIn(0);
    const quiet = aggregateIn(2);
    await bulkPending(hot, 100_000);
    // The quiet event commits while the first pass is busy with the hot partition.
    transport.beforeAnswer = async () => {
      transport.beforeAnswer = undefined;
      await add(quiet, 1);
    };
    expect(await relay.publishPending()).toBe(2_000);
    expect(await relay.publishPending()).toBeLessThanOrEqual(2_001);
    expect(sequenceOf(quiet)).toEqual([1]);
    expect((await relay.backlog()).pending).toBeGreaterThanOrEqual(100_000 - 4_000);
  }, 30_000);

  it('stop() returns after the batch in flight and leaves the backlog pending', async () => {
    relay = relayWith({ batchSize: 500, concurrency: 2 });
    await bulkPending(aggregateIn(0), 100_000);
    await bulkPending(aggregateIn(1), 1_000);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    transport.beforeAnswer = () => gate;
    relay.start();
    await waitFor(() => transport.inFlight === 2, { what: 'both workers publishing' });
    const stopped = relay.stop();
    await sleep(20);
    release();
    await stopped;
    expect(transport.inFlight).toBe(0);
    expect(transport.published).toHaveLength(1_000); // the two batches in flight
    expect((await relay.backlog()).pending).toBe(101_000 - 1_000);
    // A stopped relay still runs whole passes when called by hand: 4 batches of the hot partition, the rest of the other.
    transport.beforeAnswer = undefined;
    expect(await relay.publishPending()).toBe(4 * 500 + 500);
  }, 30_000);

  it('ends a pass only once every worker has settled when one fails', async () => {
    relay = relayWith({ concurrency: 2 });
    const broken = aggregateIn(0);
    const slow = aggregateIn(1);
    await add(broken, 1);
    await add(slow, 2);
    transport.beforeAnswer = async (envelopes) => {
      if (envelopes.some((e) => e.aggregateId === broken)) throw new Error('broken channel');
      await sleep(200);
    };
    await expect(relay.publishPending()).rejects.toThrow(/broken channel/);
    expect(transport.inFlight).toBe(0);
    expect(await pendingOf(slow)).toEqual([]); // its batch recorded before the pass ended
  });

  it('reports the backlog once per scrape for both gauges', async () => {
    await add(randomUUID(), 1, 2);
    const backlog = vi.spyOn(relay, 'backlog');
    const text = await metrics.text();
    expect(text).toMatch(/shop_outbox_pending 2/);
    expect(backlog).toHaveBeenCalledTimes(1);
  });

  it('reports the backlog and prunes sent rows after the retention period', async () => {
    await add(randomUUID(), 1, 2);
    clock.advance(5_000);
    expect(await relay.backlog()).toEqual({ pending: 2, oldestAgeSeconds: 5 });
    await relay.publishPending();
    expect(await relay.prune()).toBe(0);
    clock.advance(options.retentionMs + 1);
    expect(await relay.prune()).toBe(2);
  });

  it('prunes soon after start, not a prune interval later', async () => {
    relay = relayWith({ firstPruneDelayMs: 20, pruneIntervalMs: 3600_000 });
    await add(randomUUID(), 1, 2);
    await relay.publishPending();
    clock.advance(options.retentionMs + 1);
    relay.start();
    await waitFor(async () => ((await transactions.dataSource.query(`SELECT COUNT(*) AS n FROM outbox`)) as Array<{ n: number }>)[0]?.n === 0, {
      what: 'the sent rows pruned',
      timeoutMs: 2_000,
    });
  });
});
