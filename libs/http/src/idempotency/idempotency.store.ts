import type { TransactionHost } from '@shop/persistence';
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
}

/**
 * The `idempotency_key` table of one service (`idempotencyMigrations`). A request first claims its
 * key in a short transaction of its own, so that a duplicate sees the claim without holding a
 * connection; its answer is then written by `complete` inside the transaction of its effect.
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
    const now = this.clock.now().getTime();
    return this.transactions.run(async () => {
      const inserted = await this.query(
        `INSERT INTO idempotency_key (scope, request_key, method, path, fingerprint, owner, locked_until, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (scope, request_key) DO UPDATE SET
           method = excluded.method, path = excluded.path, fingerprint = excluded.fingerprint, owner = excluded.owner,
           locked_until = excluded.locked_until, created_at = excluded.created_at, expires_at = excluded.expires_at,
           response_status = NULL, response_content_type = NULL, response_body = NULL
         WHERE (idempotency_key.response_status IS NULL AND idempotency_key.locked_until <= $8)
            OR (idempotency_key.response_status IS NOT NULL AND idempotency_key.expires_at <= $8)
         RETURNING owner`,
        [request.scope, request.key, request.method, request.path, request.fingerprint, owner, now + this.settings.leaseMs, now, now + this.settings.ttlMs],
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
   * another is deleting.
   */
  async pruneExpired(limit: number, signal?: AbortSignal): Promise<number> {
    const now = this.clock.now().getTime();
    const expired = `expires_at <= $1 AND (response_status IS NOT NULL OR locked_until <= $1)`;
    return this.transactions.run(
      () =>
        this.postgres
          ? this.changing(
              `DELETE FROM idempotency_key WHERE (scope, request_key) IN (
               SELECT scope, request_key FROM idempotency_key WHERE ${expired} ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
              [now, limit],
            )
          : this.changing(`DELETE FROM idempotency_key WHERE rowid IN (SELECT rowid FROM idempotency_key WHERE ${expired} ORDER BY expires_at LIMIT $2)`, [
              now,
              limit,
            ]),
      { signal },
    );
  }

  private async select(ref: IdempotencyKeyRef): Promise<IdempotencyRecord | undefined> {
    const [row] = (await this.query(
      `SELECT method, path, fingerprint, owner, locked_until, expires_at, response_status, response_content_type, response_body
       FROM idempotency_key WHERE scope = $1 AND request_key = $2`,
      [ref.scope, ref.key],
    )) as RecordRow[];
    if (!row) return undefined;
    return {
      method: row.method,
      path: row.path,
      fingerprint: row.fingerprint.trim(),
      owner: row.owner,
      lockedUntil: Number(row.locked_until),
      expiresAt: Number(row.expires_at),
      answer:
        row.response_status === null
          ? undefined
          : { status: Number(row.response_status), contentType: row.response_content_type, body: row.response_body ?? '' },
    };
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
