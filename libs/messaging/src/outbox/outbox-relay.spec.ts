import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventSchemaRegistry, defineEvent, type EventEnvelope } from '@shop/contracts';
import { TransactionHost, openDataSource } from '@shop/persistence';
import { ManualClock } from '@shop/shared-kernel';
import { messagingMigrations } from '../migrations/index.js';
import { MessagingMetrics } from '../observability/messaging-metrics.js';
import { silentLogger } from '../observability/logger.js';
import type { PublishOutcome, Transport } from '../transport/transport.js';
import { OutboxRelay, defaultRelayOptions } from './outbox-relay.js';
import { OutboxSignal } from './outbox-signal.js';
import { OutboxWriter } from './outbox-writer.js';
import { partitionOf } from './partition.js';

const Ticked = defineEvent<{ n: number }>('test.ticked.v1', {
  type: 'object',
  additionalProperties: false,
  required: ['n'],
  properties: { n: { type: 'integer' } },
});

/** Records what the relay hands over; fails the envelopes the test chooses. */
class RecordingTransport implements Partial<Transport> {
  readonly kind = 'memory' as const;
  readonly published: EventEnvelope[] = [];
  failing = new Set<number>();
  isReady = () => true;
  async publishBatch(envelopes: readonly EventEnvelope[]): Promise<PublishOutcome[]> {
    return envelopes.map((e) => {
      const n = (e.payload as { n: number }).n;
      if (this.failing.has(n)) return { ok: false, error: new Error(`refused ${n}`) };
      this.published.push(e);
      return { ok: true };
    });
  }
}

describe('OutboxRelay (SQLite)', () => {
  let transactions: TransactionHost;
  let transport: RecordingTransport;
  let writer: OutboxWriter;
  let relay: OutboxRelay;
  const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
  const options = { ...defaultRelayOptions, partitions: 4, batchSize: 3, retryBaseMs: 1_000 };

  beforeEach(async () => {
    const dataSource = await openDataSource({ service: 'relay_spec', sqliteDir: ':memory:', entities: [], migrations: messagingMigrations });
    transactions = new TransactionHost(dataSource);
    transport = new RecordingTransport();
    const signal = new OutboxSignal();
    writer = new OutboxWriter(transactions, new EventSchemaRegistry([Ticked]), signal, { source: 'spec', partitions: options.partitions }, clock);
    relay = new OutboxRelay(transactions, transport as unknown as Transport, signal, new MessagingMetrics(), silentLogger(), options, clock);
  });

  afterEach(async () => {
    await transactions.dataSource.destroy();
  });

  const add = (aggregateId: string, ...ns: number[]) => transactions.run(() => writer.add(...ns.map((n) => ({ type: Ticked.type, aggregateId, payload: { n } }))));
  const sequenceOf = (aggregateId: string) => transport.published.filter((e) => e.aggregateId === aggregateId).map((e) => (e.payload as { n: number }).n);

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
    // 2 failed; in this batch 3 went out too (one pipelined batch), but nothing of `a` goes out while 2 waits.
    expect(sequenceOf(b)).toEqual([20, 21]);
    await add(a, 4);
    await relay.publishPending();
    expect(sequenceOf(a)).not.toContain(4);
    expect((await relay.backlog()).pending).toBe(2);

    transport.failing.clear();
    clock.advance(500);
    await relay.publishPending();
    expect(sequenceOf(a)).not.toContain(2); // still backing off
    clock.advance(1_000);
    await relay.publishPending();
    expect(sequenceOf(a).slice(-2)).toEqual([2, 4]);
    expect((await relay.backlog()).pending).toBe(0);
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
});
