import type { TransactionHost } from '@shop/persistence';
import { systemClock, type Clock } from '@shop/shared-kernel';
import { dialectOf, type SqlDialect } from '../sql-dialect.js';

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

  /** Forgets messages processed longer ago than `retentionMs`; a copy arriving later than that would run again. */
  async prune(retentionMs: number): Promise<void> {
    const p = this.dialect.param.bind(this.dialect);
    await this.transactions.run(() =>
      this.transactions.manager.query(`DELETE FROM inbox WHERE processed_at < ${p(1)}`, [this.clock.now().getTime() - retentionMs]),
    );
  }
}
