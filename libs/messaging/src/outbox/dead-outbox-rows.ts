import { traceIdOf } from '@shop/observability';
import { dialectOf, inList, type SqlDialect, type TransactionHost } from '@shop/persistence';

/** One row of `outbox_dead`, with what the `outbox` row says about its event. */
export interface DeadOutboxRow {
  readonly seq: number;
  /** Null only if the event's `outbox` row is gone (pruning keeps the rows that are still dead). */
  readonly messageId: string | null;
  readonly type: string | null;
  readonly aggregateId: string;
  /** The envelope's per-aggregate `sequence`; null for rows written before it existed. */
  readonly aggregateSeq: number | null;
  readonly attempts: number;
  readonly lastError: string | null;
  /** Epoch milliseconds. */
  readonly deadAt: number;
  /** The trace the event belongs to (from its `create` span's stored context); null when not traced. */
  readonly traceId: string | null;
}

interface RawRow {
  seq: string | number;
  message_id: string | null;
  type: string | null;
  aggregate_id: string;
  aggregate_seq: string | number | null;
  attempts: string | number;
  last_error: string | null;
  dead_at: string | number;
  trace_parent: string | null;
}

/**
 * Outbox rows that failed too often to publish (`outbox_dead`), for the `dlq` command: list them, put
 * them back on the pending queue, or give them up. A replayed row is published again as soon as the
 * relay next looks at its partition; it now comes after later rows of its aggregate that went out
 * while it was dead (consumers see a gap in `sequence` fill late).
 */
export class DeadOutboxRows {
  private readonly dialect: SqlDialect;

  constructor(private readonly transactions: TransactionHost) {
    this.dialect = dialectOf(transactions.kind);
  }

  /** Oldest first. */
  async list(limit: number): Promise<DeadOutboxRow[]> {
    const rows = (await this.transactions.manager.query(
      `SELECT d.seq, o.message_id, o.type, d.aggregate_id, o.aggregate_seq, d.attempts, d.last_error, d.dead_at, o.trace_parent
       FROM outbox_dead d LEFT JOIN outbox o ON o.seq = d.seq
       ORDER BY d.seq
       LIMIT ${this.dialect.param(1)}`,
      [limit],
    )) as RawRow[];
    return rows.map((row) => ({
      seq: Number(row.seq),
      messageId: row.message_id,
      type: row.type,
      aggregateId: row.aggregate_id,
      aggregateSeq: row.aggregate_seq === null ? null : Number(row.aggregate_seq),
      attempts: Number(row.attempts),
      lastError: row.last_error,
      deadAt: Number(row.dead_at),
      traceId: traceIdOf(row.trace_parent) ?? null,
    }));
  }

  async count(): Promise<number> {
    const [row] = (await this.transactions.manager.query(`SELECT COUNT(*) AS dead FROM outbox_dead`)) as Array<{ dead: string | number }>;
    return Number(row?.dead ?? 0);
  }

  /**
   * Moves the named rows (by message id; all when none are named) back to `outbox_pending` as if new:
   * attempts 0, due now. One transaction. Answers the message ids moved. The event's stored trace
   * context stays on its `outbox` row, so its next `send` span joins the trace it was written in.
   */
  async replay(messageIds?: readonly string[]): Promise<string[]> {
    const { where, params } = this.filter(messageIds);
    const moved = 'seq, partition_no, aggregate_id, created_at';
    return this.transactions.run(async () => {
      if (this.dialect.kind === 'postgres') {
        // One statement: a row the relay moves to outbox_dead meanwhile is either moved back or left alone, never lost.
        const rows = (await this.transactions.manager.query(
          `WITH moved AS (DELETE FROM outbox_dead d ${where} RETURNING ${moved})
           INSERT INTO outbox_pending (${moved}, attempts, next_attempt_at, last_error)
           SELECT ${moved}, 0, 0, NULL FROM moved
           RETURNING seq`,
          params,
        )) as Array<{ seq: string | number }>;
        return this.messageIdsOf(rows.map((r) => r.seq));
      }
      // SQLite: one writer at a time, so the same filter finds the same rows twice in this transaction.
      const rows = (await this.transactions.manager.query(
        `INSERT INTO outbox_pending (${moved}, attempts, next_attempt_at, last_error)
         SELECT ${moved}, 0, 0, NULL FROM outbox_dead d ${where}
         RETURNING seq`,
        params,
      )) as Array<{ seq: number }>;
      await this.transactions.manager.query(`DELETE FROM outbox_dead AS d ${where}`, params);
      return this.messageIdsOf(rows.map((r) => r.seq));
    });
  }

  /** Deletes the named rows (all when `messageIds` is undefined) from `outbox_dead`: they are never published. Answers the message ids. */
  async discard(messageIds?: readonly string[]): Promise<string[]> {
    const { where, params } = this.filter(messageIds);
    return this.transactions.run(async () => {
      const deleteSql = `DELETE FROM outbox_dead AS d ${where} RETURNING seq`;
      // TypeORM answers a bare DELETE on PostgreSQL with [rows, count]; a SELECT answers rows everywhere.
      const sql = this.dialect.kind === 'postgres' ? `WITH gone AS (${deleteSql}) SELECT seq FROM gone` : deleteSql;
      const rows = (await this.transactions.manager.query(sql, params)) as Array<{ seq: string | number }>;
      return this.messageIdsOf(rows.map((r) => r.seq));
    });
  }

  /** Rows are named by message id, which lives on the `outbox` row (looked up by its key, never scanned). */
  private filter(messageIds: readonly string[] | undefined): { where: string; params: unknown[] } {
    if (messageIds === undefined) return { where: '', params: [] };
    if (messageIds.length === 0) return { where: 'WHERE 1 = 0', params: [] };
    return {
      where: `WHERE EXISTS (SELECT 1 FROM outbox o WHERE o.seq = d.seq AND o.message_id IN ${inList(this.dialect, messageIds.length)})`,
      params: [...messageIds],
    };
  }

  private async messageIdsOf(seqs: ReadonlyArray<string | number>): Promise<string[]> {
    if (seqs.length === 0) return [];
    const found: string[] = [];
    // Bounded lists: SQLite takes at most 32,766 parameters per statement.
    for (let i = 0; i < seqs.length; i += 10_000) {
      const chunk = seqs.slice(i, i + 10_000);
      const rows = (await this.transactions.manager.query(`SELECT message_id FROM outbox WHERE seq IN ${inList(this.dialect, chunk.length)} ORDER BY seq`, [
        ...chunk,
      ])) as Array<{ message_id: string }>;
      found.push(...rows.map((r) => r.message_id));
    }
    return found;
  }
}
