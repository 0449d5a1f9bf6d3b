import { dialectOf, type SqlDialect, type TransactionHost } from '@shop/persistence';
import { systemClock, type Clock } from '@shop/shared-kernel';
import { pruneInChunks } from '../chunked-prune.js';

/**
 * Remembers which handler has processed which message. `record` runs first in the handler's
 * transaction: the row and the handler's effects commit together, and a second copy of the message
 * finds the row and is skipped. Two copies at the same moment: the second insert waits on the
 * first one's key and then finds it.
 */
export class Inbox {
  private readonly dialect: SqlDialect;

  constructor(
    private readonly transactions: TransactionHost,
    private readonly clock: Clock = systemClock,
  ) {
    this.dialect = dialectOf(transactions.kind);
  }

  /** True the first time `handler` sees `messageId`; false for a duplicate. Call inside a transaction. */
  async record(messageId: string, handler: string): Promise<boolean> {
    if (!this.transactions.inTransaction) throw new Error('the inbox must be written in the handler’s transaction');
    const p = this.dialect.param.bind(this.dialect);
    const inserted = (await this.transactions.manager.query(
      `INSERT INTO inbox (message_id, handler, processed_at) VALUES (${p(1)}, ${p(2)}, ${p(3)}) ON CONFLICT DO NOTHING RETURNING message_id`,
      [messageId, handler, this.clock.now().getTime()],
    )) as unknown[];
    return inserted.length === 1;
  }

  /**
   * Forgets messages processed longer ago than `retentionMs` (a copy arriving later than that would run
   * again), at most `chunkSize` rows per statement and transaction, so that no delete holds its locks
   * for long and the handlers' transactions get in between. On PostgreSQL one instance of the service
   * prunes at a time: each chunk takes an advisory lock, and an instance that finds it taken leaves
   * the rest to the one holding it. Answers the rows this instance deleted, or null if it left all of
   * them to another.
   */
  async prune(retentionMs: number, chunkSize = PRUNE_CHUNK): Promise<number | null> {
    const cutoff = this.clock.now().getTime() - retentionMs;
    const postgres = this.dialect.kind === 'postgres';
    const deleteChunk = postgres
      ? `WITH gone AS (
           DELETE FROM inbox WHERE (message_id, handler) IN (SELECT message_id, handler FROM inbox WHERE processed_at < $1 LIMIT $2)
           RETURNING 1)
         SELECT COUNT(*) AS deleted FROM gone`
      : `DELETE FROM inbox WHERE rowid IN (SELECT rowid FROM inbox WHERE processed_at < ? LIMIT ?) RETURNING 1 AS gone`;
    return pruneInChunks(this.transactions, {
      lock: INBOX_PRUNE_LOCK,
      chunkSize,
      deleteChunk: async () => {
        const rows = (await this.transactions.manager.query(deleteChunk, [cutoff, chunkSize])) as Array<{ deleted?: string }>;
        return postgres ? Number(rows[0]?.deleted ?? 0) : rows.length;
      },
    });
  }
}

/** Rows per delete statement. */
const PRUNE_CHUNK = 10_000;
/**
 * The advisory lock key (one 64-bit key, hashed from this name) that makes inbox pruning one instance
 * at a time. The relay's partition locks use the two-key form, a separate key space.
 */
export const INBOX_PRUNE_LOCK = 'shop.inbox-prune';
