import { SpanKind, trace, type Span } from '@opentelemetry/api';
import type { EventEnvelope, TraceContext } from '@shop/contracts';
import { extractTraceContext, injectTraceContext, tracingEnabled } from '@shop/observability';
import { dialectOf, inList, type SqlDialect, type TransactionHost } from '@shop/persistence';
import { messageOf, systemClock, type Clock } from '@shop/shared-kernel';
import type { Logger } from 'pino';
import type { MessagingMetrics, OutboxBacklog } from '../observability/messaging-metrics.js';
import { isTransientDeliveryError, isTransportUnavailableError, isUnroutableError, type PublishOutcome, type Transport } from '../transport/transport.js';
import { endWithOutcome, messageSpanAttributes, messagingTracer } from '../tracing/messaging-tracing.js';
import { pruneInChunks } from '../chunked-prune.js';
import { WakeSignal } from '../wake-signal.js';
import type { OutboxSignal } from './outbox-signal.js';

export interface OutboxRelayOptions {
  /** Must match the writer's. */
  readonly partitions: number;
  /** Rows claimed and published (pipelined) per round trip. */
  readonly batchSize: number;
  /** Partitions published at once by this instance. */
  readonly concurrency: number;
  /**
   * Batches a pass takes from one partition before it lists the busy partitions again, so that a
   * quiet partition's event never waits for a hot partition to drain.
   */
  readonly batchesPerPartition: number;
  /** How often to look for rows committed by other instances when no in-process signal came. */
  readonly pollIntervalMs: number;
  /** A failed row waits retryBaseMs · 2^attempts, at most retryMaxMs, before the next try. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /**
   * Message-level publish failures (nack, unroutable, a publish error of that message) after which a
   * row moves to `outbox_dead`. Failures of the transport as a whole never count.
   */
  readonly maxAttempts: number;
  /** Sent rows are deleted after this long. */
  readonly retentionMs: number;
  /** The first prune runs this long after start (often-restarted processes prune too), then every pruneIntervalMs. */
  readonly firstPruneDelayMs: number;
  readonly pruneIntervalMs: number;
  /** First key of the PostgreSQL advisory locks that give a relay one partition at a time (and the pruning to one instance). */
  readonly lockNamespace: number;
}

export const defaultRelayOptions: OutboxRelayOptions = {
  partitions: 16,
  batchSize: 500,
  concurrency: 4,
  batchesPerPartition: 4,
  pollIntervalMs: 250,
  retryBaseMs: 500,
  retryMaxMs: 60_000,
  maxAttempts: 20,
  retentionMs: 7 * 24 * 3600_000,
  firstPruneDelayMs: 5_000,
  pruneIntervalMs: 60_000,
  lockNamespace: 0x5_0b0c,
};

interface OutboxRow {
  seq: string | number;
  attempts: string | number;
  message_id: string;
  type: string;
  aggregate_id: string;
  aggregate_seq: string | number | null;
  source: string;
  correlation_id: string;
  causation_id: string | null;
  occurred_at: string;
  payload: string;
  /** Claimed only while tracing; null when the writer did not trace. */
  trace_parent?: string | null;
  trace_state?: string | null;
}

interface BatchResult {
  readonly claimed: number;
  readonly published: number;
  /** Every row failed because the transport as a whole did: the broker is away or not confirming. */
  readonly transportFailed: boolean;
}

type Query = (sql: string, params: unknown[]) => Promise<unknown>;

interface Failure {
  readonly row: OutboxRow;
  readonly error: Error;
  /** Message-level (nack, unroutable, a publish error of this message), not the transport as a whole. */
  readonly countsAsAttempt: boolean;
  /** The transport as a whole is away (not one subscriber, as a TransientDeliveryError of the memory transport says). */
  readonly transportDown: boolean;
}

const NOTHING: BatchResult = { claimed: 0, published: 0, transportFailed: false };
const PRUNE_CHUNK = 10_000;
/** Second key of the advisory lock that lets one instance prune at a time (partitions use 0…n-1). */
const PRUNE_LOCK_KEY = -1;
/** Above this many pending rows the backlog gauge reports PostgreSQL's estimate instead of counting. */
const EXACT_COUNT_LIMIT = 100_000;
/** Both backlog gauges are read in one scrape: one query serves them. */
const BACKLOG_CACHE_MS = 1_000;

/**
 * Publishes committed outbox rows and takes them off the pending queue (`outbox_pending`).
 *
 * - Rows are partitioned by a hash of their aggregate id. On PostgreSQL a relay owns a partition for
 *   the length of one batch through a transaction-level advisory lock, claims its oldest pending rows
 *   with FOR UPDATE SKIP LOCKED, publishes them with many confirms in flight, and dequeues them in
 *   the same transaction. Several instances can run: each partition is published by one at a time,
 *   so per-aggregate order holds.
 * - A pass lists the partitions with work, takes at most `batchesPerPartition` batches from each
 *   (`concurrency` partitions at once), waits for every worker, and starts over.
 * - A row that failed waits with exponential backoff, and holds back the later rows of its
 *   aggregate until it is through. In a partly failed batch, the rows of an aggregate after its
 *   failed row stay pending even when the broker confirmed them: they go out again after it.
 * - A row that failed `maxAttempts` times for reasons of its own moves to `outbox_dead` and stops
 *   holding its aggregate back. The broker being away never counts.
 * - A crash between the broker's confirm and the commit publishes the rows again; the consumers'
 *   inboxes absorb the copies.
 * - SQLite (embedded, one process) has no row locks and a single connection: the relay claims and
 *   dequeues in two short transactions and publishes between them, so that in-process subscribers
 *   of the same database can commit meanwhile.
 * - Published rows stay in `outbox` for the retention period, then are pruned.
 */
export class OutboxRelay {
  private readonly dialect: SqlDialect;
  private running = false;
  /** Set by stop(): workers finish the batch in flight and take no other. */
  private stopping = false;
  private loopDone: Promise<void> | undefined;
  private pruneDone: Promise<void> | undefined;
  /** Cuts the pruner's sleep short on stop(); new at each start, so a stop's wake-up is not left over. */
  private pruneWake = new WakeSignal();
  private nextPartition = 0;
  private scrapedBacklog: { readonly at: number; readonly value: Promise<OutboxBacklog> } | undefined;

  constructor(
    private readonly transactions: TransactionHost,
    private readonly transport: Transport,
    private readonly signal: OutboxSignal,
    private readonly metrics: MessagingMetrics,
    private readonly logger: Logger,
    private readonly options: OutboxRelayOptions = defaultRelayOptions,
    private readonly clock: Clock = systemClock,
  ) {
    this.dialect = dialectOf(transactions.kind);
    metrics.observeBacklog(() => this.backlogForScrape());
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.pruneWake = new WakeSignal();
    this.loopDone = this.loop();
    this.pruneDone = this.pruneLoop();
  }

  /**
   * Finishes the batches in flight and stops. What is still pending stays pending for the next start
   * (or another instance): draining a backlog here would hold shutdown for as long as it takes.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopping = true;
    this.signal.notify();
    this.pruneWake.notify();
    try {
      await Promise.all([this.loopDone, this.pruneDone]);
    } finally {
      this.stopping = false; // publishPending() called by hand after a stop runs whole passes again
    }
  }

  /**
   * One pass: up to `batchesPerPartition` batches from every partition with work. Returns the rows
   * published. Waits for every worker even when one fails, then throws.
   */
  async publishPending(): Promise<number> {
    if (!this.transport.isReady()) return 0;
    // Visiting only the partitions that have work keeps an idle pass to one query, so that a
    // commit is published within a few milliseconds.
    const busy = await this.busyPartitions();
    if (busy.length === 0) return 0;
    const start = this.nextPartition++ % busy.length;
    // Partitions take turns one batch at a time: a partition goes back to the end of the queue after
    // each batch, until it runs dry or has had its batches. So the pass ends with at most one batch
    // per worker still running, instead of one worker finishing a partition's batches alone.
    const queue = busy.map((_, i) => busy[(start + i) % busy.length]!);
    const batchesTaken = new Map<number, number>();
    let published = 0;
    const failures: unknown[] = [];
    let transportFailed = false;
    const worker = async () => {
      while (queue.length > 0 && failures.length === 0 && !transportFailed && !this.stopping && this.transport.isReady()) {
        const partition = queue.shift()!;
        try {
          const result = this.transactions.kind === 'postgres' ? await this.publishBatchLocked(partition) : await this.publishBatchUnlocked(partition);
          published += result.published;
          // Every other partition's batch would fail the same way (each after a confirm timeout, perhaps): end the pass.
          transportFailed ||= result.transportFailed;
          const taken = (batchesTaken.get(partition) ?? 0) + 1;
          batchesTaken.set(partition, taken);
          // A batch that failed whole points at the broker: leave the partition for the next pass. After
          // a partial failure the failed rows are in backoff and out of the claim, so go on.
          if (taken < this.options.batchesPerPartition && result.claimed === this.options.batchSize && result.published > 0) queue.push(partition);
        } catch (error) {
          failures.push(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, queue.length) }, worker));
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, `${failures.length} outbox relay workers failed`);
    return published;
  }

  /**
   * Pending rows and the age of the oldest. The count is exact up to 100,000; above that, on
   * PostgreSQL, it is the statistics' live-row count (kept current by every insert and delete, no
   * scan): an exact COUNT(*) of a million pending rows takes a few hundred milliseconds.
   */
  async backlog(): Promise<OutboxBacklog> {
    // The oldest row is the first in seq order, found through the primary key instead of a scan for MIN(created_at).
    const sql =
      this.dialect.kind === 'postgres'
        ? `SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM outbox_pending LIMIT ${EXACT_COUNT_LIMIT + 1}) AS capped) AS pending,
                  (SELECT n_live_tup FROM pg_stat_user_tables WHERE relid = 'outbox_pending'::regclass) AS estimate,
                  (SELECT created_at FROM outbox_pending ORDER BY seq LIMIT 1) AS oldest`
        : `SELECT (SELECT COUNT(*) FROM outbox_pending) AS pending, NULL AS estimate, (SELECT created_at FROM outbox_pending ORDER BY seq LIMIT 1) AS oldest`;
    const [row] = (await this.transactions.dataSource.query(sql)) as Array<{
      pending: string | number;
      estimate: string | number | null;
      oldest: string | number | null;
    }>;
    const counted = Number(row?.pending ?? 0);
    const pending = counted > EXACT_COUNT_LIMIT ? Math.max(counted, Number(row?.estimate ?? 0)) : counted;
    const oldest = row?.oldest == null ? null : Number(row.oldest);
    return { pending, oldestAgeSeconds: oldest === null ? 0 : Math.max(0, (this.clock.now().getTime() - oldest) / 1000) };
  }

  /**
   * Deletes published rows written longer ago than the retention period, in chunks, leaving rows
   * still referenced from `outbox_dead`. On PostgreSQL one instance prunes at a time (a transaction
   * advisory lock per chunk); another one that finds it held skips. Returns how many rows were deleted.
   */
  async prune(keepGoing: () => boolean = () => true): Promise<number> {
    const cutoff = this.clock.now().getTime() - this.options.retentionMs;
    const p = this.dialect.param.bind(this.dialect);
    const chunk = `DELETE FROM outbox WHERE seq IN (
        SELECT o.seq FROM outbox o
        WHERE o.created_at < ${p(1)}
          AND NOT EXISTS (SELECT 1 FROM outbox_pending p WHERE p.seq = o.seq)
          AND NOT EXISTS (SELECT 1 FROM outbox_dead d WHERE d.seq = o.seq)
        LIMIT ${PRUNE_CHUNK})`;
    const deleted = await pruneInChunks(this.transactions, {
      lock: [this.options.lockNamespace, PRUNE_LOCK_KEY],
      chunkSize: PRUNE_CHUNK,
      keepGoing,
      deleteChunk: async () => ((await this.transactions.manager.queryRunner!.query(chunk, [cutoff], true)) as { affected?: number }).affected ?? 0,
    });
    if (deleted === null) this.logger.debug('outbox: another instance is pruning; skipped');
    return deleted ?? 0;
  }

  private async loop(): Promise<void> {
    let consecutiveFailures = 0;
    while (this.running) {
      try {
        const published = await this.publishPending();
        consecutiveFailures = 0;
        if (published === 0 && this.running) await this.signal.wait(this.options.pollIntervalMs);
      } catch (error) {
        consecutiveFailures++;
        const delay = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** Math.min(consecutiveFailures, 16));
        this.logger.error({ err: error, retryInMs: delay }, 'outbox relay pass failed');
        if (this.running) await this.signal.wait(delay);
      }
    }
  }

  /** Beside the publishing loop, so that pruning a large outbox never delays a publish. */
  private async pruneLoop(): Promise<void> {
    await this.pruneSleep(this.options.firstPruneDelayMs);
    while (this.running) {
      try {
        const pruned = await this.prune(() => this.running);
        if (pruned > 0) this.logger.debug({ pruned }, 'outbox: pruned sent rows');
      } catch (error) {
        this.logger.warn({ err: error }, 'outbox prune failed');
      }
      await this.pruneSleep(this.options.pruneIntervalMs);
    }
  }

  private pruneSleep(ms: number): Promise<void> {
    return this.running ? this.pruneWake.wait(ms) : Promise.resolve();
  }

  private backlogForScrape(): Promise<OutboxBacklog> {
    const now = performance.now();
    if (!this.scrapedBacklog || now - this.scrapedBacklog.at > BACKLOG_CACHE_MS) {
      const value = this.backlog();
      value.catch(() => (this.scrapedBacklog = undefined)); // a failed read is not kept
      this.scrapedBacklog = { at: now, value };
    }
    return this.scrapedBacklog.value;
  }

  /** One index probe per partition number instead of a scan of every pending row (`SELECT DISTINCT`). */
  private async busyPartitions(): Promise<number[]> {
    const sql =
      this.dialect.kind === 'postgres'
        ? `SELECT n AS partition_no FROM generate_series(0, $1::int - 1) AS n
           WHERE EXISTS (SELECT 1 FROM outbox_pending p WHERE p.partition_no = n)`
        : `WITH RECURSIVE numbers(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM numbers WHERE n + 1 < ?)
           SELECT n AS partition_no FROM numbers
           WHERE EXISTS (SELECT 1 FROM outbox_pending p WHERE p.partition_no = numbers.n)`;
    const rows = (await this.transactions.dataSource.query(sql, [this.options.partitions])) as Array<{ partition_no: number | string }>;
    return rows.map((row) => Number(row.partition_no)).sort((a, b) => a - b);
  }

  private async publishBatchLocked(partition: number): Promise<BatchResult> {
    const runner = this.transactions.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const [lock] = (await runner.query(`SELECT pg_try_advisory_xact_lock($1, $2) AS locked`, [this.options.lockNamespace, partition])) as Array<{
        locked: boolean;
      }>;
      if (!lock?.locked) {
        await runner.rollbackTransaction();
        return NOTHING;
      }
      const traced = tracingEnabled();
      const rows = (await runner.query(this.claimSql(traced), [partition, this.clock.now().getTime(), this.options.batchSize])) as OutboxRow[];
      if (rows.length === 0) {
        await runner.commitTransaction();
        return NOTHING;
      }
      const outcomes = await this.publish(rows, traced);
      const result = await this.record(rows, outcomes, (sql, params) => runner.query(sql, params));
      await runner.commitTransaction();
      return result;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  private async publishBatchUnlocked(partition: number): Promise<BatchResult> {
    const traced = tracingEnabled();
    const rows = (await this.transactions.run(() =>
      this.transactions.manager.query(this.claimSql(traced), [partition, this.clock.now().getTime(), this.options.batchSize]),
    )) as OutboxRow[];
    if (rows.length === 0) return NOTHING;
    const outcomes = await this.publish(rows, traced);
    return this.transactions.run(() => this.record(rows, outcomes, (sql, params) => this.transactions.manager.query(sql, params)));
  }

  /** Untraced, a batch costs nothing beyond the `traced` check: no span, no context, not even the columns. */
  private publish(rows: readonly OutboxRow[], traced: boolean): Promise<PublishOutcome[]> {
    return traced ? this.publishTraced(rows) : this.transport.publishBatch(rows.map((row) => envelopeOf(row)));
  }

  /**
   * A `send` span per row that has a stored context, a child of its `create` span, carried in the
   * envelope (`traceContext`: AMQP headers, or the memory transport's message). Each ends at its own
   * confirm when the transport reports confirms one by one, else when the batch is answered.
   */
  private async publishTraced(rows: readonly OutboxRow[]): Promise<PublishOutcome[]> {
    const tracer = messagingTracer();
    const spans = new Array<Span | undefined>(rows.length);
    const envelopes = rows.map((row, index) => {
      if (row.trace_parent == null) return envelopeOf(row);
      const parent = extractTraceContext({ traceparent: row.trace_parent, tracestate: row.trace_state });
      // A stored value no propagator reads back: the row goes out as if it had none.
      if (!trace.getSpanContext(parent)) return envelopeOf(row);
      const attributes = messageSpanAttributes('send', {
        type: row.type,
        service: row.source,
        transport: this.transport.kind,
        messageId: row.message_id,
        correlationId: row.correlation_id,
      });
      const span = tracer.startSpan(`send ${row.type}`, { kind: SpanKind.PRODUCER, attributes }, parent);
      spans[index] = span;
      return envelopeOf(row, injectTraceContext(trace.setSpan(parent, span)));
    });
    const settle = (index: number, outcome: PublishOutcome): void => {
      const span = spans[index];
      if (!span) return;
      spans[index] = undefined;
      endWithOutcome(span, outcome);
    };
    let outcomes: PublishOutcome[] = [];
    let missing: PublishOutcome = { ok: false, error: new Error('no publish outcome') };
    try {
      outcomes = await this.transport.publishBatch(envelopes, settle);
      return outcomes;
    } catch (error) {
      if (error instanceof Error) missing = { ok: false, error };
      throw error;
    } finally {
      // A transport (or a wrapper) that answers only the whole batch, or throws: the rest end here.
      for (let index = 0; index < rows.length; index++) settle(index, outcomes[index] ?? missing);
    }
  }

  /**
   * Oldest pending rows of a partition, leaving out every aggregate with a row still backing off.
   * The seqs are claimed on the narrow queue table through its (partition_no, seq) index first, and
   * only those rows are joined to the wide outbox table: a join before the LIMIT lets the planner
   * pick a sequential scan and hash join once the backlog is large. The trace columns are read only
   * while tracing.
   */
  private claimSql(traced: boolean): string {
    const p = this.dialect.param.bind(this.dialect);
    const lock = this.dialect.kind === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : '';
    const traceColumns = traced ? ', o.trace_parent, o.trace_state' : '';
    return `WITH claimed AS (
        SELECT p.seq, p.attempts FROM outbox_pending p
        WHERE p.partition_no = ${p(1)}
          AND NOT EXISTS (
            SELECT 1 FROM outbox_pending b
            WHERE b.aggregate_id = p.aggregate_id AND b.next_attempt_at > 0
              AND b.seq <= p.seq AND b.next_attempt_at > ${p(2)})
        ORDER BY p.seq
        LIMIT ${p(3)}
        ${lock})
      SELECT c.seq, c.attempts, o.message_id, o.type, o.aggregate_id, o.aggregate_seq, o.source, o.correlation_id, o.causation_id, o.occurred_at, o.payload${traceColumns}
      FROM claimed c JOIN outbox o ON o.seq = c.seq
      ORDER BY c.seq`;
  }

  /**
   * Takes the confirmed rows off the queue and backs the failed ones off, in the caller's transaction.
   * - After a failed row, the later rows of its aggregate in this batch stay pending although the
   *   broker confirmed them: marking them sent first would let them overtake it for good. They go
   *   out again after it (the consumers' inboxes absorb the copies) and lose no attempt.
   * - A message-level failure counts an attempt; the row moves to `outbox_dead` on the last one.
   *   Failures of the transport as a whole back off without counting.
   */
  private async record(rows: readonly OutboxRow[], outcomes: readonly PublishOutcome[], query: Query): Promise<BatchResult> {
    const sent: OutboxRow[] = [];
    const heldBack: OutboxRow[] = [];
    const failures: Failure[] = [];
    const failedAggregates = new Set<string>();
    const unroutable = new Map<string, number>();
    // Belt and braces: a connection lost mid-batch can surface as per-message errors.
    const transportUp = this.transport.isReady();
    rows.forEach((row, i) => {
      const outcome = outcomes[i] ?? { ok: false, error: new Error('no publish outcome') };
      if (outcome.ok) {
        (failedAggregates.has(row.aggregate_id) ? heldBack : sent).push(row);
        return;
      }
      failedAggregates.add(row.aggregate_id);
      if (isUnroutableError(outcome.error)) unroutable.set(row.type, (unroutable.get(row.type) ?? 0) + 1);
      const transportDown = !transportUp || isTransportUnavailableError(outcome.error);
      const countsAsAttempt = !transportDown && !isTransientDeliveryError(outcome.error);
      failures.push({ row, error: outcome.error, countsAsAttempt, transportDown });
    });

    const now = this.clock.now().getTime();
    if (sent.length > 0) await query(`DELETE FROM outbox_pending WHERE seq ${this.seqList(sent.length, 1)}`, this.seqParams(sent));
    // One UPDATE per distinct error and kind: usually one.
    const groups = new Map<string, Failure[]>();
    for (const failure of failures) {
      const key = `${failure.countsAsAttempt ? 1 : 0}${lastErrorOf(failure.error)}`;
      groups.set(key, [...(groups.get(key) ?? []), failure]);
    }
    for (const group of groups.values()) await this.backOff(query, group, now);
    const dead = failures.filter((failure) => failure.countsAsAttempt && Number(failure.row.attempts) + 1 >= this.options.maxAttempts);
    if (dead.length > 0)
      await this.moveToDead(
        query,
        dead.map((failure) => failure.row),
        now,
      );

    for (const row of sent) this.metrics.published.inc({ type: row.type });
    for (const { row } of failures) this.metrics.publishFailures.inc({ type: row.type });
    for (const [type, count] of unroutable) {
      this.metrics.unroutable.inc({ type }, count);
      this.logger.warn(
        { type, count },
        'outbox: the broker returned publishes as unroutable (no queue bound for the type); rows stay pending and will be retried',
      );
    }
    if (failures.length > 0) {
      this.logger.warn(
        { failed: failures.length, counted: failures.filter((failure) => failure.countsAsAttempt).length, heldBack: heldBack.length, err: failures[0]!.error },
        'outbox: publishes failed; rows stay pending and will be retried',
      );
    }
    for (const { row, error } of dead) {
      this.metrics.outboxDeadLettered.inc({ type: row.type });
      this.logger.error(
        { messageId: row.message_id, type: row.type, aggregateId: row.aggregate_id, attempts: Number(row.attempts) + 1, err: error },
        'outbox: row failed too many times; moved to outbox_dead, its aggregate flows again',
      );
    }
    return {
      claimed: rows.length,
      published: sent.length,
      transportFailed: failures.length === rows.length && failures.every((failure) => failure.transportDown),
    };
  }

  private async backOff(query: Query, failures: readonly Failure[], now: number): Promise<void> {
    const p = this.dialect.param.bind(this.dialect);
    const least = this.dialect.kind === 'postgres' ? 'LEAST' : 'min';
    const one = this.dialect.kind === 'postgres' ? '1::bigint' : '1';
    const backoff = `${p(2)} + ${least}(${p(3)}, ${p(4)} * (${one} << ${least}(attempts, 20)))`;
    const attempts = failures[0]!.countsAsAttempt ? 'attempts = attempts + 1, ' : '';
    await query(`UPDATE outbox_pending SET ${attempts}last_error = ${p(1)}, next_attempt_at = ${backoff} WHERE seq ${this.seqList(failures.length, 5)}`, [
      lastErrorOf(failures[0]!.error),
      now,
      this.options.retryMaxMs,
      this.options.retryBaseMs,
      ...this.seqParams(failures.map((failure) => failure.row)),
    ]);
  }

  /** Same transaction as the failure record: the row leaves the queue and stops holding its aggregate back. */
  private async moveToDead(query: Query, rows: readonly OutboxRow[], now: number): Promise<void> {
    const p = this.dialect.param.bind(this.dialect);
    // The guard on attempts repeats the decision in SQL; the upsert tolerates a row dead before (replayed, then failed again).
    await query(
      `INSERT INTO outbox_dead (seq, partition_no, aggregate_id, created_at, attempts, last_error, dead_at)
       SELECT seq, partition_no, aggregate_id, created_at, attempts, last_error, ${p(1)} FROM outbox_pending
       WHERE attempts >= ${p(2)} AND seq ${this.seqList(rows.length, 3)}
       ON CONFLICT (seq) DO UPDATE SET attempts = excluded.attempts, last_error = excluded.last_error, dead_at = excluded.dead_at`,
      [now, this.options.maxAttempts, ...this.seqParams(rows)],
    );
    await query(`DELETE FROM outbox_pending WHERE attempts >= ${p(1)} AND seq ${this.seqList(rows.length, 2)}`, [
      this.options.maxAttempts,
      ...this.seqParams(rows),
    ]);
  }

  /** `= ANY($n)` with one array parameter on PostgreSQL, `IN (?, …)` on SQLite. */
  private seqList(count: number, from: number): string {
    return this.dialect.kind === 'postgres' ? `= ANY($${from}::bigint[])` : `IN ${inList(this.dialect, count, from)}`;
  }

  private seqParams(rows: readonly OutboxRow[]): unknown[] {
    const seqs = rows.map((row) => row.seq);
    return this.dialect.kind === 'postgres' ? [seqs] : seqs;
  }
}

function envelopeOf(row: OutboxRow, traceContext?: TraceContext): EventEnvelope {
  const envelope: { -readonly [K in keyof EventEnvelope]: EventEnvelope[K] } = {
    id: row.message_id,
    type: row.type,
    occurredAt: row.occurred_at,
    source: row.source,
    aggregateId: row.aggregate_id,
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    payload: JSON.parse(row.payload) as unknown,
    // The per-aggregate sequence number; rows written before it existed have none.
    ...(row.aggregate_seq == null ? {} : { sequence: Number(row.aggregate_seq) }),
  };
  if (traceContext) envelope.traceContext = traceContext;
  return envelope;
}

/** A failure's message as the outbox row keeps it (its last error), at most 2 000 characters. */
const lastErrorOf = (error: Error): string => messageOf(error).slice(0, 2000);
