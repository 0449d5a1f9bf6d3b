import { dialectOf, type TransactionHost } from '@shop/persistence';

/** A delivery that failed and waits for its next attempt, in the subscriber's own keeping. */
export interface PendingRetry {
  readonly messageId: string;
  readonly type: string;
  /** The message as the wire carried it (JSON). */
  readonly wire: string;
  /** Attempts made so far (1 after the first failure). */
  readonly attempts: number;
  /** Epoch milliseconds. */
  readonly nextAttemptAt: number;
  readonly lastError: string;
}

/**
 * Where the in-memory transport keeps a subscriber's failed deliveries between attempts, so that its
 * producer's publish can count as done at once and the retries outlive a restart.
 */
export interface DeliveryRetryStore {
  /** Records a failed delivery. A copy of a message already waiting keeps the first record. */
  schedule(retry: PendingRetry): Promise<void>;
  /** Rows due at `now`, earliest first. */
  due(now: number, limit: number): Promise<PendingRetry[]>;
  /** When the earliest row is due, if any. */
  nextDueAt(): Promise<number | undefined>;
  reschedule(messageId: string, attempts: number, nextAttemptAt: number, lastError: string): Promise<void>;
  remove(messageId: string): Promise<void>;
  /** Removes the row and runs `alongside` (storing the dead letter) in one transaction where there is one. */
  removeWith(messageId: string, alongside: () => Promise<void>): Promise<void>;
  count(): Promise<number>;
}

interface RetryRow {
  message_id: string;
  type: string;
  envelope: string;
  attempts: number | string;
  next_attempt_at: number | string;
  last_error: string;
}

/** The `delivery_retry` table of the consuming service's own database (migration 1733000000500). */
export class SqlDeliveryRetryStore implements DeliveryRetryStore {
  constructor(private readonly transactions: TransactionHost) {}

  private get p() {
    const dialect = dialectOf(this.transactions.kind);
    return dialect.param.bind(dialect);
  }

  private query(sql: string, params: unknown[] = []): Promise<unknown> {
    return this.transactions.run(() => this.transactions.manager.query(sql, params));
  }

  async schedule(retry: PendingRetry): Promise<void> {
    const p = this.p;
    await this.query(
      `INSERT INTO delivery_retry (message_id, type, envelope, attempts, next_attempt_at, last_error, created_at)
       VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}) ON CONFLICT (message_id) DO NOTHING`,
      [retry.messageId, retry.type, retry.wire, retry.attempts, retry.nextAttemptAt, retry.lastError, Date.now()],
    );
  }

  async due(now: number, limit: number): Promise<PendingRetry[]> {
    const p = this.p;
    const rows = (await this.query(`SELECT * FROM delivery_retry WHERE next_attempt_at <= ${p(1)} ORDER BY next_attempt_at LIMIT ${p(2)}`, [
      now,
      limit,
    ])) as RetryRow[];
    return rows.map((row) => ({
      messageId: row.message_id,
      type: row.type,
      wire: row.envelope,
      attempts: Number(row.attempts),
      nextAttemptAt: Number(row.next_attempt_at),
      lastError: row.last_error,
    }));
  }

  async nextDueAt(): Promise<number | undefined> {
    const [row] = (await this.query(`SELECT MIN(next_attempt_at) AS at FROM delivery_retry`)) as Array<{ at: number | string | null }>;
    return row?.at === null || row?.at === undefined ? undefined : Number(row.at);
  }

  async reschedule(messageId: string, attempts: number, nextAttemptAt: number, lastError: string): Promise<void> {
    const p = this.p;
    await this.query(`UPDATE delivery_retry SET attempts = ${p(1)}, next_attempt_at = ${p(2)}, last_error = ${p(3)} WHERE message_id = ${p(4)}`, [
      attempts,
      nextAttemptAt,
      lastError,
      messageId,
    ]);
  }

  async remove(messageId: string): Promise<void> {
    await this.query(`DELETE FROM delivery_retry WHERE message_id = ${this.p(1)}`, [messageId]);
  }

  async removeWith(messageId: string, alongside: () => Promise<void>): Promise<void> {
    await this.transactions.run(async () => {
      await alongside();
      await this.transactions.manager.query(`DELETE FROM delivery_retry WHERE message_id = ${this.p(1)}`, [messageId]);
    });
  }

  async count(): Promise<number> {
    const [row] = (await this.query(`SELECT COUNT(*) AS n FROM delivery_retry`)) as Array<{ n: number | string }>;
    return Number(row?.n ?? 0);
  }
}

/** Keeps failed deliveries in memory: for tests and tools that do not care about restarts. */
export class InMemoryDeliveryRetryStore implements DeliveryRetryStore {
  private readonly rows = new Map<string, PendingRetry>();

  async schedule(retry: PendingRetry) {
    if (!this.rows.has(retry.messageId)) this.rows.set(retry.messageId, retry);
  }
  async due(now: number, limit: number) {
    return [...this.rows.values()]
      .filter((row) => row.nextAttemptAt <= now)
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt)
      .slice(0, limit);
  }
  async nextDueAt() {
    const times = [...this.rows.values()].map((row) => row.nextAttemptAt);
    return times.length ? Math.min(...times) : undefined;
  }
  async reschedule(messageId: string, attempts: number, nextAttemptAt: number, lastError: string) {
    const row = this.rows.get(messageId);
    if (row) this.rows.set(messageId, { ...row, attempts, nextAttemptAt, lastError });
  }
  async remove(messageId: string) {
    this.rows.delete(messageId);
  }
  async removeWith(messageId: string, alongside: () => Promise<void>) {
    await alongside();
    this.rows.delete(messageId);
  }
  async count() {
    return this.rows.size;
  }
}
