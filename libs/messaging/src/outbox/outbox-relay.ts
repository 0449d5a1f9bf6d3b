import type { EventEnvelope } from '@shop/contracts';
import type { TransactionHost } from '@shop/persistence';
import { systemClock, type Clock } from '@shop/shared-kernel';
import type { Logger } from 'pino';
import type { MessagingMetrics, OutboxBacklog } from '../observability/messaging-metrics.js';
import { dialectOf, inList, type SqlDialect } from '../sql-dialect.js';
import type { PublishOutcome, Transport } from '../transport/transport.js';
import type { OutboxSignal } from './outbox-signal.js';

export interface OutboxRelayOptions {
  /** Must match the writer's. */
  readonly partitions: number;
  /** Rows claimed and published (pipelined) per round trip. */
  readonly batchSize: number;
  /** Partitions published at once by this instance. */
  readonly concurrency: number;
  /** How often to look for rows committed by other instances when no in-process signal came. */
  readonly pollIntervalMs: number;
  /** A failed row waits retryBaseMs · 2^attempts, at most retryMaxMs, before the next try. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** Sent rows are deleted after this long. */
  readonly retentionMs: number;
  readonly pruneIntervalMs: number;
  /** First key of the PostgreSQL advisory locks that give a relay one partition at a time. */
  readonly lockNamespace: number;
}

export const defaultRelayOptions: OutboxRelayOptions = {
  partitions: 16,
  batchSize: 500,
  concurrency: 4,
  pollIntervalMs: 250,
  retryBaseMs: 500,
  retryMaxMs: 60_000,
  retentionMs: 7 * 24 * 3600_000,
  pruneIntervalMs: 60_000,
  lockNamespace: 0x5_0b0c,
};

interface OutboxRow {
  seq: string | number;
  message_id: string;
  type: string;
  aggregate_id: string;
  source: string;
  correlation_id: string;
  causation_id: string | null;
  occurred_at: string;
  payload: string;
}

interface BatchResult {
  readonly claimed: number;
  readonly published: number;
  readonly failed: number;
}

const NOTHING: BatchResult = { claimed: 0, published: 0, failed: 0 };
const PRUNE_CHUNK = 10_000;

/**
 * Publishes committed outbox rows and takes them off the pending queue (`outbox_pending`).
 *
 * - Rows are partitioned by a hash of their aggregate id. On PostgreSQL a relay owns a partition for
 *   the length of one batch through a transaction-level advisory lock, claims its oldest pending rows
 *   with FOR UPDATE SKIP LOCKED, publishes them with many confirms in flight, and dequeues them in
 *   the same transaction. Several instances can run: each partition is published by one at a time,
 *   so per-aggregate order holds.
 * - A row that failed waits with exponential backoff, and holds back the later rows of its
 *   aggregate until it is through.
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
  private loopDone: Promise<void> | undefined;
  private nextPartition = 0;
  private lastPrune = 0;

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
    metrics.observeBacklog(() => this.backlog());
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastPrune = this.clock.now().getTime();
    this.loopDone = this.loop();
  }

  /** Finishes the batch in flight, publishes what is still pending if the transport is up, and stops. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.signal.notify();
    await this.loopDone;
    if (this.transport.isReady()) {
      await this.publishPending().catch((error: unknown) => this.logger.warn({ err: error }, 'outbox: final publish on shutdown failed; rows stay pending'));
    }
  }

  /** One pass over every partition, each drained in batches. Returns the rows published. */
  async publishPending(): Promise<number> {
    if (!this.transport.isReady()) return 0;
    // Visiting only the partitions that have work keeps an idle pass to one query, so that a
    // commit is published within a few milliseconds.
    const busy = ((await this.transactions.dataSource.query(`SELECT DISTINCT partition_no FROM outbox_pending`)) as Array<{ partition_no: number }>)
      .map((row) => Number(row.partition_no))
      .sort((a, b) => a - b);
    if (busy.length === 0) return 0;
    const start = this.nextPartition++ % busy.length;
    const order = busy.map((_, i) => busy[(start + i) % busy.length]!);
    let next = 0;
    let published = 0;
    const worker = async () => {
      while (next < order.length) {
        const count = await this.drainPartition(order[next++]!);
        published += count;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, order.length) }, worker));
    return published;
  }

  async backlog(): Promise<OutboxBacklog> {
    const [row] = (await this.transactions.dataSource.query(
      `SELECT COUNT(*) AS pending, MIN(created_at) AS oldest FROM outbox_pending`,
    )) as Array<{ pending: string | number; oldest: string | number | null }>;
    const pending = Number(row?.pending ?? 0);
    const oldest = row?.oldest == null ? null : Number(row.oldest);
    return { pending, oldestAgeSeconds: oldest === null ? 0 : Math.max(0, (this.clock.now().getTime() - oldest) / 1000) };
  }

  /** Deletes published rows written longer ago than the retention period. Returns how many. */
  async prune(): Promise<number> {
    const cutoff = this.clock.now().getTime() - this.options.retentionMs;
    const p = this.dialect.param.bind(this.dialect);
    let total = 0;
    for (;;) {
      const deleted = await this.transactions.run(async () => {
        const result = await this.transactions.manager.queryRunner!.query(
          `DELETE FROM outbox WHERE seq IN (
            SELECT o.seq FROM outbox o
            WHERE o.created_at < ${p(1)} AND NOT EXISTS (SELECT 1 FROM outbox_pending p WHERE p.seq = o.seq)
            LIMIT ${PRUNE_CHUNK})`,
          [cutoff],
          true,
        );
        return result.affected ?? 0;
      });
      total += deleted;
      if (deleted < PRUNE_CHUNK) return total;
    }
  }

  private async loop(): Promise<void> {
    let consecutiveFailures = 0;
    while (this.running) {
      try {
        const published = await this.publishPending();
        consecutiveFailures = 0;
        await this.pruneIfDue();
        if (published === 0 && this.running) await this.signal.wait(this.options.pollIntervalMs);
      } catch (error) {
        consecutiveFailures++;
        const delay = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** Math.min(consecutiveFailures, 16));
        this.logger.error({ err: error, retryInMs: delay }, 'outbox relay pass failed');
        if (this.running) await this.signal.wait(delay);
      }
    }
  }

  private async pruneIfDue(): Promise<void> {
    const now = this.clock.now().getTime();
    if (now - this.lastPrune < this.options.pruneIntervalMs) return;
    this.lastPrune = now;
    const pruned = await this.prune();
    if (pruned > 0) this.logger.debug({ pruned }, 'outbox: pruned sent rows');
  }

  private async drainPartition(partition: number): Promise<number> {
    let published = 0;
    for (;;) {
      if (!this.transport.isReady()) return published;
      const result = this.transactions.kind === 'postgres' ? await this.publishBatchLocked(partition) : await this.publishBatchUnlocked(partition);
      published += result.published;
      // A batch that failed whole points at the broker: leave the partition for the next pass. After
      // a partial failure the failed rows are in backoff and out of the claim, so go on.
      if (result.claimed < this.options.batchSize || result.published === 0) return published;
    }
  }

  private async publishBatchLocked(partition: number): Promise<BatchResult> {
    const runner = this.transactions.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const [lock] = (await runner.query(`SELECT pg_try_advisory_xact_lock($1, $2) AS locked`, [this.options.lockNamespace, partition])) as Array<{ locked: boolean }>;
      if (!lock?.locked) {
        await runner.rollbackTransaction();
        return NOTHING;
      }
      const rows = (await runner.query(`${this.claimSql()} FOR UPDATE OF p SKIP LOCKED`, [partition, this.clock.now().getTime(), this.options.batchSize])) as OutboxRow[];
      if (rows.length === 0) {
        await runner.commitTransaction();
        return NOTHING;
      }
      const outcomes = await this.transport.publishBatch(rows.map(envelopeOf));
      const result = await this.record(rows, outcomes, (sql, params) => runner.query(sql, params));
      await runner.commitTransaction();
      this.count(rows, outcomes);
      return result;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  private async publishBatchUnlocked(partition: number): Promise<BatchResult> {
    const rows = (await this.transactions.run(() =>
      this.transactions.manager.query(this.claimSql(), [partition, this.clock.now().getTime(), this.options.batchSize]),
    )) as OutboxRow[];
    if (rows.length === 0) return NOTHING;
    const outcomes = await this.transport.publishBatch(rows.map(envelopeOf));
    const result = await this.transactions.run(() => this.record(rows, outcomes, (sql, params) => this.transactions.manager.query(sql, params)));
    this.count(rows, outcomes);
    return result;
  }

  /** Oldest pending rows of a partition, leaving out every aggregate with a row still waiting to retry. */
  private claimSql(): string {
    const p = this.dialect.param.bind(this.dialect);
    return `SELECT p.seq, o.message_id, o.type, o.aggregate_id, o.source, o.correlation_id, o.causation_id, o.occurred_at, o.payload
      FROM outbox_pending p JOIN outbox o ON o.seq = p.seq
      WHERE p.partition_no = ${p(1)}
        AND NOT EXISTS (
          SELECT 1 FROM outbox_pending b
          WHERE b.aggregate_id = p.aggregate_id AND b.attempts > 0
            AND b.seq <= p.seq AND b.next_attempt_at > ${p(2)})
      ORDER BY p.seq
      LIMIT ${p(3)}`;
  }

  private async record(
    rows: readonly OutboxRow[],
    outcomes: readonly PublishOutcome[],
    query: (sql: string, params: unknown[]) => Promise<unknown>,
  ): Promise<BatchResult> {
    const sent: Array<string | number> = [];
    const failed: Array<string | number> = [];
    let firstError: Error | undefined;
    rows.forEach((row, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) sent.push(row.seq);
      else {
        failed.push(row.seq);
        firstError ??= outcome && !outcome.ok ? outcome.error : new Error('no publish outcome');
      }
    });
    const now = this.clock.now().getTime();
    const p = this.dialect.param.bind(this.dialect);
    if (sent.length > 0) {
      if (this.dialect.kind === 'postgres') await query(`DELETE FROM outbox_pending WHERE seq = ANY($1::bigint[])`, [sent]);
      else await query(`DELETE FROM outbox_pending WHERE seq IN ${inList(this.dialect, sent.length)}`, sent);
    }
    if (failed.length > 0) {
      const least = this.dialect.kind === 'postgres' ? 'LEAST' : 'min';
      const one = this.dialect.kind === 'postgres' ? '1::bigint' : '1';
      const backoff = `${p(2)} + ${least}(${p(3)}, ${p(4)} * (${one} << ${least}(attempts, 20)))`;
      const set = `attempts = attempts + 1, last_error = ${p(1)}, next_attempt_at = ${backoff}`;
      const params = [String(firstError?.message ?? firstError).slice(0, 2000), now, this.options.retryMaxMs, this.options.retryBaseMs];
      if (this.dialect.kind === 'postgres') await query(`UPDATE outbox_pending SET ${set} WHERE seq = ANY($5::bigint[])`, [...params, failed]);
      else await query(`UPDATE outbox_pending SET ${set} WHERE seq IN ${inList(this.dialect, failed.length, 5)}`, [...params, ...failed]);
      this.logger.warn({ failed: failed.length, err: firstError }, 'outbox: publishes failed; rows stay pending and will be retried');
    }
    return { claimed: rows.length, published: sent.length, failed: failed.length };
  }

  private count(rows: readonly OutboxRow[], outcomes: readonly PublishOutcome[]): void {
    rows.forEach((row, i) => (outcomes[i]?.ok ? this.metrics.published : this.metrics.publishFailures).inc({ type: row.type }));
  }
}

const envelopeOf = (row: OutboxRow): EventEnvelope => ({
  id: row.message_id,
  type: row.type,
  occurredAt: row.occurred_at,
  source: row.source,
  aggregateId: row.aggregate_id,
  correlationId: row.correlation_id,
  causationId: row.causation_id,
  payload: JSON.parse(row.payload) as unknown,
});
