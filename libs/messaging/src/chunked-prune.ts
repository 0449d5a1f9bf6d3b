import type { TransactionHost } from '@shop/persistence';

/** The PostgreSQL advisory lock that makes a prune one instance at a time: a name, or the two-key form. */
export type PruneLock = string | readonly [number, number];

export interface ChunkedPrune {
  readonly lock: PruneLock;
  /** Deletes at most `chunkSize` rows inside the open transaction; answers how many. */
  readonly deleteChunk: () => Promise<number>;
  readonly chunkSize: number;
  /** Checked between chunks (a stopping relay finishes the chunk in flight only). */
  readonly keepGoing?: () => boolean;
}

/**
 * Deletes in chunks, each in its own short transaction, until a chunk comes back short, so no delete
 * holds its locks for long. On PostgreSQL each chunk first takes a transaction-level advisory lock:
 * one instance prunes at a time, and the lock ends with the transaction whatever happens to the
 * connection (a session lock would stay with a pooled connection whose unlock failed, and stop every
 * instance's pruning). Answers the rows this instance deleted, or null when another instance held
 * the lock before this one deleted any.
 */
export async function pruneInChunks(transactions: TransactionHost, prune: ChunkedPrune): Promise<number | null> {
  const lock =
    transactions.kind !== 'postgres'
      ? null
      : typeof prune.lock === 'string'
        ? { sql: `SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`, params: [prune.lock] }
        : { sql: `SELECT pg_try_advisory_xact_lock($1, $2) AS locked`, params: [...prune.lock] };
  let total = 0;
  for (;;) {
    const deleted = await transactions.run(async () => {
      if (lock) {
        const [row] = (await transactions.manager.query(lock.sql, lock.params)) as Array<{ locked: boolean }>;
        if (!row?.locked) return null;
      }
      return prune.deleteChunk();
    });
    if (deleted === null) return total > 0 ? total : null;
    total += deleted;
    if (deleted < prune.chunkSize || !(prune.keepGoing?.() ?? true)) return total;
  }
}
