/**
 * Ports every context's application layer uses; the adapters live in libs/persistence and
 * libs/messaging. Plain interfaces so that use cases stay free of TypeORM and amqplib.
 */

/** Runs work in one database transaction; nested calls join the outer transaction. */
export interface UnitOfWork {
  run<T>(work: () => Promise<T>): Promise<T>;
  /** True inside `run` (in the async context of its work). */
  readonly inTransaction: boolean;
  /**
   * Runs `check` inside the current transaction once its work has finished, just before it commits;
   * a throw rolls the transaction back and fails `run`. Throws outside a transaction. Repositories
   * use it to refuse a commit that would lose an aggregate's events (`AggregateRepository`).
   */
  beforeCommit(check: () => void | Promise<void>): void;
  /** Runs `callback` once the current transaction has committed (never if it rolls back); outside one, right away. */
  afterCommit(callback: () => void): void;
  /**
   * The current transaction as a key (undefined outside one), for bookkeeping that must not outlive
   * it: a rolled-back transaction's key is never current again, so a rerun starts afresh.
   */
  readonly currentTransaction: object | undefined;
}
export const UNIT_OF_WORK = Symbol.for('shop.UnitOfWork');

/** An integration event a use case wants published once its transaction commits. */
export interface OutgoingEvent<P = unknown> {
  readonly type: string;
  readonly aggregateId: string;
  readonly payload: P;
}

/** Writes events into the outbox of the current transaction: they exist only if it commits. */
export interface EventOutbox {
  add(...events: OutgoingEvent[]): Promise<void>;
}
export const EVENT_OUTBOX = Symbol.for('shop.EventOutbox');
