import { POSTGRES_NOW_MS, type TransactionHost } from '@shop/persistence';
import { systemClock, type Clock } from '@shop/shared-kernel';

/** Who may reuse a key: the signed-in user (`user:<id>`); keys of different callers never meet. */
export interface IdempotencyKeyRef {
  readonly scope: string;
  readonly key: string;
}

export interface IdempotentRequest extends IdempotencyKeyRef {
  readonly method: string;
  readonly path: string;
  readonly fingerprint: string;
}

/** The answer a key replays: status, content type and body exactly as first sent. */
export interface StoredAnswer {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: string;
}

export interface IdempotencyRecord {
  readonly method: string;
  readonly path: string;
  readonly fingerprint: string;
  /** The request holding the key while it runs; null once answered. */
  readonly owner: string | null;
  readonly lockedUntil: number;
  readonly expiresAt: number;
  readonly answer: StoredAnswer | undefined;
  /** The store's now when the row was read, to compare `lockedUntil` and `expiresAt` with (the database's clock on PostgreSQL). */
  readonly now: number;
}

export type ClaimOutcome =
  | { readonly claimed: true }
  /** Held by another request or answered already; `record` is undefined when it was released in between. */
  | { readonly claimed: false; readonly record: IdempotencyRecord | undefined };

interface RecordRow {
  method: string;
  path: string;
  fingerprint: string;
  owner: string | null;
  locked_until: string | number;
  expires_at: string | number;
  response_status: number | null;
  response_content_type: string | null;
  response_body: string | null;
  now: string | number;
}

/**
 * The `idempotency_key` table of one service (`idempotencyMigrations`). A request first claims its
 * key in a short transaction of its own, so that a duplicate sees the claim without holding a
 * connection; its answer is then written by `complete` inside the transaction of its effect.
 *
 * Leases and expiry are epoch milliseconds of the database's clock on PostgreSQL (instances' clocks
 * may disagree; the database is the one they share, as for the scheduler's leases) and of `clock` on
 * SQLite (one process).
 */
export class IdempotencyStore {
  private readonly postgres: boolean;

  constructor(
    private readonly transactions: TransactionHost,
    private readonly settings: { readonly ttlMs: number; readonly leaseMs: number },
    private readonly clock: Clock = systemClock,
  ) {
    this.postgres = transactions.kind === 'postgres';
  }

  /**
   * Takes the key for `owner` when it is new, expired, or held by a request that never answered and
   * whose lease has run out (its instance died); otherwise answers what is stored.
   */
  claim(request: IdempotentRequest, owner: string): Promise<ClaimOutcome> {
    const params: unknown[] = [
      request.scope,
      request.key,
      request.method,
      request.path,
      request.fingerprint,
      owner,
      this.settings.leaseMs,
      this.settings.ttlMs,
    ];
    const now = this.nowSql(params);
    return this.transactions.run(async () => {
      const inserted = await this.query(
        `INSERT INTO idempotency_key (scope, request_key, method, path, fingerprint, owner, locked_until, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, ${now} + $7, ${now}, ${now} + $8)
         ON CONFLICT (scope, request_key) DO UPDATE SET
           method = excluded.method, path = excluded.path, fingerprint = excluded.fingerprint, owner = excluded.owner,
           locked_until = excluded.locked_until, created_at = excluded.created_at, expires_at = excluded.expires_at,
           response_status = NULL, response_content_type = NULL, response_body = NULL
         WHERE (idempotency_key.response_status IS NULL AND idempotency_key.locked_until <= ${now})
            OR (idempotency_key.response_status IS NOT NULL AND idempotency_key.expires_at <= ${now})
         RETURNING owner`,
        params,
      );
      if (inserted.length === 1) return { claimed: true } as const;
      return { claimed: false, record: await this.select(request) } as const;
    });
  }

  /** The key's row, read after every transaction before it (SQLite: never an uncommitted one on the shared connection). */
  find(ref: IdempotencyKeyRef): Promise<IdempotencyRecord | undefined> {
    return this.postgres ? this.select(ref) : this.transactions.run(() => this.select(ref));
  }

  /**
   * Stores the answer of the request that holds the key, inside the transaction of the request's
   * effect when one is open (joined), else in its own. False when the claim was taken over
   * meanwhile: the caller must then roll its effect back.
   */
  async complete(ref: IdempotencyKeyRef, owner: string, answer: StoredAnswer): Promise<boolean> {
    const rows = await this.transactions.run(() =>
      this.changing(
        `UPDATE idempotency_key SET response_status = $3, response_content_type = $4, response_body = $5, owner = NULL
         WHERE scope = $1 AND request_key = $2 AND owner = $6 AND response_status IS NULL`,
        [ref.scope, ref.key, answer.status, answer.contentType, answer.body, owner],
      ),
    );
    return rows === 1;
  }

  /** Frees the key of a request that ends without an answer to keep (a failure, a refused body), so that a retry runs. */
  async release(ref: IdempotencyKeyRef, owner: string): Promise<void> {
    await this.transactions.run(() =>
      this.changing(`DELETE FROM idempotency_key WHERE scope = $1 AND request_key = $2 AND owner = $3 AND response_status IS NULL`, [
        ref.scope,
        ref.key,
        owner,
      ]),
    );
  }

  /**
   * Deletes at most `limit` expired keys in one short transaction (abandoned when `signal` aborts)
   * and answers how many. Several instances may prune at once: on PostgreSQL each skips the rows
   * another is deleting. There the batch is a materialised CTE, chosen and locked once: as an
   * `IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)` subquery the planner may run it again per row,
   * each run skipping the rows already deleted, and one call deleted every expired key.
   */
  async pruneExpired(limit: number, signal?: AbortSignal): Promise<number> {
    const params: unknown[] = [limit];
    const now = this.nowSql(params);
    const expired = `expires_at <= ${now} AND (response_status IS NOT NULL OR locked_until <= ${now})`;
    return this.transactions.run(
      () =>
        this.postgres
          ? this.changing(
              `WITH batch AS MATERIALIZED (
                 SELECT scope, request_key FROM idempotency_key WHERE ${expired} ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED
               )
               DELETE FROM idempotency_key USING batch WHERE idempotency_key.scope = batch.scope AND idempotency_key.request_key = batch.request_key`,
              params,
            )
          : this.changing(
              `DELETE FROM idempotency_key WHERE rowid IN (SELECT rowid FROM idempotency_key WHERE ${expired} ORDER BY expires_at LIMIT $1)`,
              params,
            ),
      { signal },
    );
  }

  private async select(ref: IdempotencyKeyRef): Promise<IdempotencyRecord | undefined> {
    const params: unknown[] = [ref.scope, ref.key];
    const now = this.nowSql(params);
    const [row] = (await this.query(
      `SELECT method, path, fingerprint, owner, locked_until, expires_at, response_status, response_content_type, response_body, ${now} AS now
       FROM idempotency_key WHERE scope = $1 AND request_key = $2`,
      params,
    )) as RecordRow[];
    if (!row) return undefined;
    return {
      method: row.method,
      path: row.path,
      fingerprint: row.fingerprint.trim(),
      owner: row.owner,
      lockedUntil: Number(row.locked_until),
      expiresAt: Number(row.expires_at),
      now: Number(row.now),
      answer:
        row.response_status === null
          ? undefined
          : { status: Number(row.response_status), contentType: row.response_content_type, body: row.response_body ?? '' },
    };
  }

  /**
   * Now, in SQL: the database's clock on PostgreSQL; on SQLite the clock's time, added to `params`
   * (referenced as often as needed).
   */
  private nowSql(params: unknown[]): string {
    if (this.postgres) return POSTGRES_NOW_MS;
    params.push(this.clock.now().getTime());
    return `$${params.length}`;
  }

  /** An UPDATE or DELETE; answers the rows it changed (counted the same way on both databases). */
  private async changing(sql: string, params: unknown[]): Promise<number> {
    if (this.postgres) {
      const [row] = (await this.query(`WITH changed AS (${sql} RETURNING 1) SELECT COUNT(*) AS changed FROM changed`, params)) as Array<{ changed: string }>;
      return Number(row?.changed ?? 0);
    }
    return (await this.query(`${sql} RETURNING 1`, params)).length;
  }

  /** Written with `$n` placeholders; SQLite gets `?` with the parameters in the order they appear. */
  private async query(sql: string, params: unknown[]): Promise<unknown[]> {
    if (this.postgres) return this.transactions.manager.query<unknown[]>(sql, params);
    const ordered: unknown[] = [];
    const text = sql.replace(/\$(\d+)/g, (_match, n: string) => {
      ordered.push(params[Number(n) - 1]);
      return '?';
    });
    return this.transactions.manager.query<unknown[]>(text, ordered);
  }
}
