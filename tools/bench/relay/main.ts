// npm run bench:relay — the outbox relay against raw amqplib publishing (DESIGN.md section 9).
// Environment: BENCH_MESSAGES (20000), BENCH_ROUNDS (3), BENCH_BACKLOG_ROWS (1000000),
// BENCH_RELAY_BATCH_SIZE and BENCH_RELAY_CONCURRENCY (the relay's defaults), TEST_POSTGRES_URL, TEST_AMQP_URL.
import { defaultRelayOptions } from '@shop/messaging';
import { openBenchEnv, type BenchEnv } from './bench-env.js';
import { orderPlaced } from './order-placed.js';
import { drainOutbox, fillBacklog, fillOutbox, measureLatency, outboxOf, type Outbox } from './outbox-runs.js';
import { measureRawLatency, publishRaw } from './raw-baseline.js';
import { intFromEnv } from '../env.js';

const MESSAGES = intFromEnv('BENCH_MESSAGES', 20_000);
const ROUNDS = intFromEnv('BENCH_ROUNDS', 3);
const BACKLOG_ROWS = intFromEnv('BENCH_BACKLOG_ROWS', 1_000_000);
const WARM_UP = 2_000;
const ROWS_PER_TRANSACTION = 500;
const LATENCY_EVENTS = 200;
const LATENCY_GAP_MS = [5, 10] as const;
const relayOptions = {
  ...defaultRelayOptions,
  batchSize: intFromEnv('BENCH_RELAY_BATCH_SIZE', defaultRelayOptions.batchSize),
  concurrency: intFromEnv('BENCH_RELAY_CONCURRENCY', defaultRelayOptions.concurrency),
};

const perSecond = (count: number, ms: number): number => Math.round((count * 1000) / ms);
/** Nearest rank. */
const percentile = (sorted: readonly number[], p: number): number => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
const median = (values: readonly number[]): number =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
const ms = (value: number): string => value.toFixed(1);

/** Checks that every message was routed to and kept by the queue, then empties it for the next run. */
async function expectQueued(env: BenchEnv, count: number): Promise<void> {
  const depth = await env.queueDepth();
  if (depth !== count) throw new Error(`expected ${count} messages in the queue, found ${depth}`);
  await env.purgeQueue();
}

async function rawRound(env: BenchEnv, count: number): Promise<number> {
  const elapsed = await publishRaw(env, Array.from({ length: count }, orderPlaced));
  await expectQueued(env, count);
  return elapsed;
}

async function relayRound(env: BenchEnv, outbox: Outbox, count: number): Promise<{ insertMs: number; relayMs: number }> {
  const insertMs = await fillOutbox(env, outbox, Array.from({ length: count }, orderPlaced), ROWS_PER_TRANSACTION);
  const relayMs = await drainOutbox(outbox, count);
  await expectQueued(env, count);
  return { insertMs, relayMs };
}

/** A large backlog already pending when the relay starts: the claim must stay on its index as the backlog drains. */
async function backlogRound(env: BenchEnv, outbox: Outbox, count: number): Promise<{ insertMs: number; relayMs: number }> {
  const insertMs = await fillBacklog(env, count, relayOptions.partitions);
  const relayMs = await drainOutbox(outbox, count);
  await expectQueued(env, count);
  return { insertMs, relayMs };
}

async function main(): Promise<void> {
  const env = await openBenchEnv();
  try {
    const outbox = outboxOf(env, relayOptions);
    const size = Buffer.byteLength(JSON.stringify(orderPlaced()));
    console.log(`relay bench: ${ROUNDS} rounds of ${MESSAGES} messages (${size} B JSON, persistent) to quorum queue ${env.service}.events`);
    console.log(`relay options: batchSize=${relayOptions.batchSize} concurrency=${relayOptions.concurrency} partitions=${relayOptions.partitions}`);

    // Not measured: connections, JIT, the broker's queue.
    await rawRound(env, WARM_UP);
    await relayRound(env, outbox, WARM_UP);

    const raw: number[] = [];
    const relay: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const rawMs = await rawRound(env, MESSAGES);
      const { insertMs, relayMs } = await relayRound(env, outbox, MESSAGES);
      raw.push(perSecond(MESSAGES, rawMs));
      relay.push(perSecond(MESSAGES, relayMs));
      console.log(
        `round ${round}: raw amqplib ${raw.at(-1)} msgs/s (${ms(rawMs)} ms) | relay ${relay.at(-1)} rows/s (${ms(relayMs)} ms)` +
          ` | outbox insert, not in the rate: ${perSecond(MESSAGES, insertMs)} rows/s (${ms(insertMs)} ms)`,
      );
    }

    const rawLatencies = (await measureRawLatency(env, Array.from({ length: LATENCY_EVENTS }, orderPlaced), LATENCY_GAP_MS)).sort((a, b) => a - b);
    const [rawP50, rawP99] = [percentile(rawLatencies, 50), percentile(rawLatencies, 99)];
    console.log(
      `baseline publish-to-consume latency, ${LATENCY_EVENTS} single raw publishes: p50=${ms(rawP50)} p99=${ms(rawP99)} max=${ms(rawLatencies.at(-1)!)} ms`,
    );
    const latencies = (await measureLatency(env, outbox, LATENCY_EVENTS, LATENCY_GAP_MS)).sort((a, b) => a - b);
    const [p50, p99, max] = [percentile(latencies, 50), percentile(latencies, 99), latencies.at(-1)!];
    console.log(`commit-to-consume latency, ${LATENCY_EVENTS} events one per transaction: p50=${ms(p50)} p99=${ms(p99)} max=${ms(max)} ms`);

    // Last: a drained million-row backlog leaves dead index entries behind that the latency run should not meet.
    const backlog = await backlogRound(env, outbox, BACKLOG_ROWS);
    const backlogRate = perSecond(BACKLOG_ROWS, backlog.relayMs);
    const [relayRate, rawRate] = [median(relay), median(raw)];
    console.log(
      `backlog: ${BACKLOG_ROWS} rows pending at start, relay ${backlogRate} rows/s (${ms(backlog.relayMs)} ms) beside ${relayRate} rows/s for ${MESSAGES}` +
        ` | set-based insert, not in the rate: ${perSecond(BACKLOG_ROWS, backlog.insertMs)} rows/s (${ms(backlog.insertMs)} ms)`,
    );
    console.log(
      `relay: ratio=${(relayRate / rawRate).toFixed(2)} relay_msgs_per_s=${relayRate} raw_msgs_per_s=${rawRate} commit_to_consume_p50_ms=${ms(p50)} p99_ms=${ms(p99)}` +
        ` raw_publish_to_consume_p50_ms=${ms(rawP50)} raw_p99_ms=${ms(rawP99)} backlog_msgs_per_s=${backlogRate} backlog_ratio=${(backlogRate / relayRate).toFixed(2)}`,
    );
  } finally {
    await env.close();
  }
}

main().catch((error: unknown) => {
  console.error('bench:relay failed:', error);
  process.exitCode = 1;
});
