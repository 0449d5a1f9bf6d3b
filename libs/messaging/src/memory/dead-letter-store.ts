import { dialectOf, inList, type TransactionHost } from '@shop/persistence';
import type { DeadLetter } from '../transport/transport.js';

/** Where the in-memory transport keeps a service's dead letters, so that they outlive the process. */
export interface DeadLetterStore {
  add(letter: DeadLetter): Promise<void>;
  list(limit: number): Promise<DeadLetter[]>;
  /** All letters, or those with the given message ids. */
  find(messageIds?: readonly string[]): Promise<DeadLetter[]>;
  /**
   * Removes the oldest letter of this message, not every one: a replay that dead-letters the message
   * anew appends a letter with the same id before it removes the one it replayed.
   */
  removeOldest(messageId: string): Promise<void>;
  count(): Promise<number>;
}

interface DeadLetterRow {
  message_id: string;
  type: string;
  envelope: string;
  error: string;
  attempts: number;
  failed_at: string;
}

/** The `dead_letter` table of the consuming service's own database. */
export class SqlDeadLetterStore implements DeadLetterStore {
  constructor(
    private readonly service: string,
    private readonly transactions: TransactionHost,
  ) {}

  private get dialect() {
    return dialectOf(this.transactions.kind);
  }

  async add(letter: DeadLetter): Promise<void> {
    const p = this.dialect.param.bind(this.dialect);
    await this.transactions.run(() =>
      this.transactions.manager.query(
        `INSERT INTO dead_letter (message_id, type, envelope, error, attempts, failed_at) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)})`,
        [letter.messageId, letter.type, JSON.stringify(letter.envelope), letter.error, letter.attempts, letter.failedAt],
      ),
    );
  }

  async list(limit: number): Promise<DeadLetter[]> {
    const rows = (await this.transactions.run(() =>
      this.transactions.manager.query(`SELECT * FROM dead_letter ORDER BY seq LIMIT ${this.dialect.param(1)}`, [limit]),
    )) as DeadLetterRow[];
    return rows.map((row) => this.toDeadLetter(row));
  }

  async find(messageIds?: readonly string[]): Promise<DeadLetter[]> {
    const rows = (await this.transactions.run(() =>
      messageIds
        ? this.transactions.manager.query(`SELECT * FROM dead_letter WHERE message_id IN ${inList(this.dialect, messageIds.length)} ORDER BY seq`, [
            ...messageIds,
          ])
        : this.transactions.manager.query(`SELECT * FROM dead_letter ORDER BY seq`),
    )) as DeadLetterRow[];
    return rows.map((row) => this.toDeadLetter(row));
  }

  async removeOldest(messageId: string): Promise<void> {
    const p = this.dialect.param(1);
    await this.transactions.run(() =>
      this.transactions.manager.query(`DELETE FROM dead_letter WHERE seq = (SELECT MIN(seq) FROM dead_letter WHERE message_id = ${p})`, [messageId]),
    );
  }

  async count(): Promise<number> {
    const [row] = (await this.transactions.run(() => this.transactions.manager.query(`SELECT COUNT(*) AS n FROM dead_letter`))) as Array<{
      n: number | string;
    }>;
    return Number(row?.n ?? 0);
  }

  private toDeadLetter(row: DeadLetterRow): DeadLetter {
    return {
      service: this.service,
      messageId: row.message_id,
      type: row.type,
      envelope: JSON.parse(row.envelope) as unknown,
      error: row.error,
      attempts: Number(row.attempts),
      failedAt: row.failed_at,
    };
  }
}

/** Keeps dead letters in memory: for tests that do not care about restarts. */
export class InMemoryDeadLetterStore implements DeadLetterStore {
  private letters: DeadLetter[] = [];
  async add(letter: DeadLetter) {
    this.letters.push(letter);
  }
  async list(limit: number) {
    return this.letters.slice(0, limit);
  }
  async find(messageIds?: readonly string[]) {
    return messageIds ? this.letters.filter((l) => messageIds.includes(l.messageId)) : [...this.letters];
  }
  async removeOldest(messageId: string) {
    const index = this.letters.findIndex((l) => l.messageId === messageId);
    if (index >= 0) this.letters.splice(index, 1);
  }
  async count() {
    return this.letters.length;
  }
}
