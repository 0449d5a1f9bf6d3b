import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { EventSchemaRegistry, Type, defineEvent } from '@shop/contracts';
import { silentLogger } from '@shop/observability';
import { TransactionHost, openDataSource } from '@shop/persistence';
import { messagingMigrations } from '../migrations/index.js';
import { MemoryTransport } from '../memory/memory-transport.js';
import { OutboxRelay, defaultRelayOptions } from '../outbox/outbox-relay.js';
import { OutboxSignal } from '../outbox/outbox-signal.js';
import { OutboxWriter } from '../outbox/outbox-writer.js';
import { MessagingMetrics } from './messaging-metrics.js';

const Counted = defineEvent('test.counted.v1', Type.Object({ n: Type.Integer() }, { additionalProperties: false }));

/** The samples of a Prometheus text, by series (`name{labels}`); HELP and TYPE lines left out. */
function samplesOf(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

const failuresOf = (metric: string) => `shop_metrics_read_failures_total{metric="${metric}"}`;

describe('MessagingMetrics: gauges read at scrape time', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function relayOnSqlite(metrics: MessagingMetrics) {
    const transactions = new TransactionHost(
      await openDataSource({ service: 'metrics_spec', sqliteDir: ':memory:', entities: [], migrations: messagingMigrations }),
    );
    const signal = new OutboxSignal();
    const writer = new OutboxWriter(transactions, new EventSchemaRegistry([Counted]), signal, { source: 'metrics_spec', partitions: 2 });
    const relay = new OutboxRelay(transactions, new MemoryTransport(), signal, metrics, silentLogger(), { ...defaultRelayOptions, partitions: 2 });
    const write = (n: number) => transactions.run(() => writer.add({ type: Counted.type, aggregateId: randomUUID(), payload: { n } }));
    return { transactions, relay, write };
  }

  it('answers a scrape while the outbox database is gone: the backlog gauges are left out and the failure counted, the rest is there', async () => {
    const metrics = new MessagingMetrics();
    const { transactions, write } = await relayOnSqlite(metrics);
    metrics.observeDeadLetterDepth(() => Promise.resolve(3));
    await write(1);
    await write(2);
    await transactions.dataSource.destroy();

    const samples = samplesOf(await metrics.text());
    expect(samples.has('shop_outbox_pending')).toBe(false);
    expect(samples.has('shop_outbox_oldest_pending_age_seconds')).toBe(false);
    expect(samples.get(failuresOf('shop_outbox_pending'))).toBe(1);
    expect(samples.get(failuresOf('shop_outbox_oldest_pending_age_seconds'))).toBe(1);
    expect(samples.get('shop_dead_letter_queue_depth')).toBe(3);
  });

  it('reads the backlog from the outbox while its database answers', async () => {
    const metrics = new MessagingMetrics();
    const { transactions, write } = await relayOnSqlite(metrics);
    cleanups.push(() => transactions.dataSource.destroy());
    await write(1);
    await write(2);
    const samples = samplesOf(await metrics.text());
    expect(samples.get('shop_outbox_pending')).toBe(2);
    expect(samples.has(failuresOf('shop_outbox_pending'))).toBe(false);
  });

  it('leaves out a DLQ depth the broker cannot give, and shows it again once it can', async () => {
    const metrics = new MessagingMetrics();
    let brokerUp = true;
    metrics.observeDeadLetterDepth(() => (brokerUp ? Promise.resolve(4) : Promise.reject(new Error('not connected to the broker'))));
    expect(samplesOf(await metrics.text()).get('shop_dead_letter_queue_depth')).toBe(4);

    brokerUp = false;
    await metrics.text();
    const down = samplesOf(await metrics.text());
    expect(down.has('shop_dead_letter_queue_depth')).toBe(false); // not the last value: unknown
    expect(down.get(failuresOf('shop_dead_letter_queue_depth'))).toBe(2);

    brokerUp = true;
    const back = samplesOf(await metrics.text());
    expect(back.get('shop_dead_letter_queue_depth')).toBe(4);
    expect(back.get(failuresOf('shop_dead_letter_queue_depth'))).toBe(2);
  });

  it('does not wait past its read deadline for a source that never answers', async () => {
    const metrics = new MessagingMetrics(undefined, { readTimeoutMs: 50 });
    metrics.observeDeadLetterDepth(() => new Promise<number>(() => {}));
    metrics.observeBacklog(() => Promise.resolve({ pending: 7, oldestAgeSeconds: 12 }));
    const samples = samplesOf(await metrics.text());
    expect(samples.has('shop_dead_letter_queue_depth')).toBe(false);
    expect(samples.get(failuresOf('shop_dead_letter_queue_depth'))).toBe(1);
    expect(samples.get('shop_outbox_pending')).toBe(7);
    expect(samples.get('shop_outbox_oldest_pending_age_seconds')).toBe(12);
  });

  it('reports 0 for gauges this process has no source for', async () => {
    const samples = samplesOf(await new MessagingMetrics().text());
    expect(samples.get('shop_outbox_pending')).toBe(0);
    expect(samples.get('shop_dead_letter_queue_depth')).toBe(0);
  });
});
