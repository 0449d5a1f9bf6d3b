import { eventOf, type EventEnvelope } from '@shop/contracts';
import { MessagingMetrics, OutboxRelay, OutboxSignal, OutboxWriter, type OutboxRelayOptions } from '@shop/messaging';
import { silentLogger } from '@shop/observability';
import { sleep, waitFor } from '@shop/testing';
import type { BenchEnv } from './bench-env.js';
import { orderPlaced, type BenchOrderPlaced } from './order-placed.js';

export interface Outbox {
  readonly writer: OutboxWriter;
  readonly relay: OutboxRelay;
}

export function outboxOf(env: BenchEnv, options: OutboxRelayOptions): Outbox {
  const signal = new OutboxSignal();
  const writer = new OutboxWriter(env.transactions, env.registry, signal, { source: env.service, partitions: options.partitions });
  const relay = new OutboxRelay(env.transactions, env.transport, signal, new MessagingMetrics(), silentLogger(), options);
  return { writer, relay };
}

/** Writes the events through the OutboxWriter, `perTransaction` to a transaction. Returns the elapsed ms. */
export async function fillOutbox(env: BenchEnv, { writer }: Outbox, payloads: readonly BenchOrderPlaced[], perTransaction: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < payloads.length; i += perTransaction) {
    const events = payloads.slice(i, i + perTransaction).map((payload) => eventOf(env.contract, payload.orderId, payload));
    await env.transactions.run(() => writer.add(...events));
  }
  return performance.now() - started;
}

/**
 * `count` pending rows for the backlog round, written with set-based SQL in chunks of 100,000 rows
 * (through the writer a million rows would take minutes): the same payload shape and headers as the
 * writer's, one aggregate per row, spread over the relay's partitions. Returns the elapsed ms.
 */
export async function fillBacklog(env: BenchEnv, count: number, partitions: number): Promise<number> {
  const chunk = 100_000;
  const started = performance.now();
  for (let written = 0; written < count; written += chunk) {
    await env.transactions.dataSource.query(
      `WITH written AS (
         INSERT INTO outbox (message_id, type, aggregate_id, partition_no, source, correlation_id, causation_id, occurred_at, payload, created_at, aggregate_seq)
         SELECT id, $2, id, (hashtext(id) & 2147483647) % $3, $4, id, NULL, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                '{"orderId":"' || id || '","userId":"' || gen_random_uuid() || '","items":[{"sku":"SKU-' || lpad((random() * 99999)::int::text, 5, '0') ||
                '","quantity":2,"unitPriceCents":1299}],"amountCents":2598,"currency":"EUR"}',
                (extract(epoch FROM clock_timestamp()) * 1000)::bigint, 1
         FROM (SELECT gen_random_uuid()::text AS id FROM generate_series(1, $1)) AS g
         RETURNING seq, partition_no, aggregate_id, created_at)
       INSERT INTO outbox_pending (seq, partition_no, aggregate_id, created_at) SELECT seq, partition_no, aggregate_id, created_at FROM written`,
      [Math.min(chunk, count - written), env.contract.type, partitions, env.service],
    );
  }
  return performance.now() - started;
}

/** Runs relay passes until `expected` rows are published and none is pending. Returns the elapsed ms. */
export async function drainOutbox({ relay }: Outbox, expected: number): Promise<number> {
  const started = performance.now();
  let published = 0;
  while (published < expected) {
    const pass = await relay.publishPending();
    if (pass === 0) throw new Error(`relay stalled after ${published} of ${expected} rows: broker away or publishes failing`);
    published += pass;
  }
  const elapsed = performance.now() - started;
  const { pending } = await relay.backlog();
  if (pending !== 0 || published !== expected) throw new Error(`relay published ${published} of ${expected}, ${pending} still pending`);
  return elapsed;
}

/**
 * Commit-to-consume latency: `count` events, each committed in a transaction of its own, `gapMs`
 * apart, while the relay runs in the background (woken by the writer's signal) and the service's
 * consumer records when each arrives. Returns the latencies in ms.
 */
export async function measureLatency(env: BenchEnv, outbox: Outbox, count: number, gapMs: readonly [number, number]): Promise<number[]> {
  const committedAt = new Map<string, number>();
  const receivedAt = new Map<string, number>();
  const consumer = await env.transport.consume({
    ...env.subscription,
    handle: async ({ envelope }) => {
      receivedAt.set((envelope as EventEnvelope<BenchOrderPlaced>).payload.orderId, performance.now());
    },
  });
  outbox.relay.start();
  try {
    for (let i = 0; i < count; i++) {
      const payload = orderPlaced();
      await env.transactions.run(() => outbox.writer.add(eventOf(env.contract, payload.orderId, payload)));
      committedAt.set(payload.orderId, performance.now());
      await sleep(gapMs[0] + Math.random() * (gapMs[1] - gapMs[0]));
    }
    await waitFor(() => receivedAt.size >= count, { timeoutMs: 30_000, what: `${count} events consumed` });
  } finally {
    await outbox.relay.stop();
    await consumer.cancel();
  }
  return [...committedAt].map(([orderId, committed]) => receivedAt.get(orderId)! - committed);
}
