import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';
import type { UnitOfWork } from '@shop/shared-kernel';
import { databaseKindOf } from './data-source.factory.js';
import { SerialQueue } from './serial-queue.js';

interface TransactionScope {
  readonly manager: EntityManager;
  readonly afterCommit: Array<() => void>;
}

const RETRYABLE_POSTGRES_CODES = new Set(['40001', '40P01']); // serialization failure, deadlock
const MAX_ATTEMPTS = 3;

/**
 * The one transaction helper every context uses. `run` opens a transaction (or joins the one already
 * open in this async context); repositories, the outbox and the inbox reach it through `manager`
 * without it being passed around, so use cases stay free of TypeORM.
 *
 * SQLite has a single connection, and overlapping transactions on it fail; there transactions are
 * queued one after another. PostgreSQL uses its pool and row locks. Deadlocks and serialization
 * failures on PostgreSQL are retried a few times, from the top.
 */
export class TransactionHost implements UnitOfWork {
  private readonly storage = new AsyncLocalStorage<TransactionScope>();
  private readonly sqliteQueue: SerialQueue | undefined;

  constructor(readonly dataSource: DataSource) {
    this.sqliteQueue = databaseKindOf(dataSource) === 'sqlite' ? new SerialQueue() : undefined;
  }

  get kind() {
    return databaseKindOf(this.dataSource);
  }

  /** The current transaction's manager, or the data source's own outside a transaction. */
  get manager(): EntityManager {
    return this.storage.getStore()?.manager ?? this.dataSource.manager;
  }

  get inTransaction(): boolean {
    return this.storage.getStore() !== undefined;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.storage.getStore()) return work();
    const start = () => this.runOnce(work);
    return this.sqliteQueue ? this.sqliteQueue.run(start) : this.withRetries(start);
  }

  /**
   * Runs `callback` once the current transaction commits (never if it rolls back); outside a
   * transaction, right away. For in-process signals such as waking the outbox relay.
   */
  afterCommit(callback: () => void): void {
    const scope = this.storage.getStore();
    if (scope) scope.afterCommit.push(callback);
    else callback();
  }

  private async runOnce<T>(work: () => Promise<T>): Promise<T> {
    const afterCommit: Array<() => void> = [];
    const result = await this.dataSource.transaction((manager) => this.storage.run({ manager, afterCommit }, work));
    for (const callback of afterCommit) callback();
    return result;
  }

  private async withRetries<T>(start: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await start();
      } catch (error) {
        const code = (error as { code?: string; driverError?: { code?: string } }).driverError?.code ?? (error as { code?: string }).code;
        if (attempt >= MAX_ATTEMPTS || !code || !RETRYABLE_POSTGRES_CODES.has(code)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 20));
      }
    }
  }
}
