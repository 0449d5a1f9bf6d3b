import type { AggregateRoot, DomainEvent } from './aggregate-root.js';
import type { EventOutbox, OutgoingEvent, UnitOfWork } from './ports.js';

/**
 * A context's one mapping from its domain events to the integration events other contexts hear. It
 * covers every domain event of every aggregate of the context (their union): `[]` for an event that
 * stays inside. Write it as a switch on `event.type` ending in `default: return unmappedDomainEvent(event)`,
 * so that a new domain event type without its case is a compile error.
 */
export type IntegrationEventMapping<E extends DomainEvent> = (event: E) => readonly OutgoingEvent[];

/** The domain events an aggregate type records. */
export type DomainEventOf<A> = A extends AggregateRoot<infer E> ? E : never;

/** A domain event reached a mapping that has no case for it (possible only past the type checker). */
export class UnmappedDomainEventError extends Error {
  constructor(readonly eventType: string) {
    super(`no integration event mapping for the domain event '${eventType}': add its case to the context's mapping ([] if it stays inside)`);
    this.name = 'UnmappedDomainEventError';
  }
}

/** The `default` of an exhaustive mapping: `event` is `never` there, unless a case is missing. */
export function unmappedDomainEvent(event: never): never {
  throw new UnmappedDomainEventError(String((event as { type?: unknown } | undefined)?.type));
}

/** A transaction was about to commit while an aggregate it saved or loaded held events not written in it; it is rolled back. */
export class UnsavedDomainEventsError extends Error {
  constructor(
    readonly aggregate: string,
    readonly aggregateId: string,
    readonly eventTypes: readonly string[],
  ) {
    super(
      `${aggregate} ${aggregateId} recorded ${eventTypes.join(', ')} and they were not written in this transaction ` +
        '(it was changed after its save, never saved, or its save failed); the transaction is rolled back rather than commit without them',
    );
    this.name = 'UnsavedDomainEventsError';
  }
}

/**
 * The base of every repository of aggregates, in every context: `save` stores the aggregate and turns
 * the domain events it recorded into outbox rows through the context's mapping, in one transaction
 * (the use case's, or one of its own when called outside any). No use case writes the outbox by hand,
 * so none can forget to.
 *
 * The events stay on the aggregate until that transaction commits: after a rollback (a failed save,
 * a deadlock retry running the work again) the next save writes them again, exactly once per commit.
 * A transaction refuses to commit (`UnsavedDomainEventsError`) while an aggregate saved in it, or
 * handed out in it by a look-up that goes through `tracked`, holds events not written in it: changed
 * after its save, never saved, or its save failed and the failure was caught.
 */
export abstract class AggregateRepository<A extends AggregateRoot<DomainEvent>> {
  /** Per transaction: the events of each watched aggregate written in it. */
  private readonly writtenPerTransaction = new WeakMap<object, Map<A, Set<DomainEvent>>>();

  protected constructor(
    protected readonly unitOfWork: UnitOfWork,
    private readonly outbox: EventOutbox,
    private readonly integrationEventsOf: IntegrationEventMapping<DomainEventOf<A>>,
  ) {}

  async save(aggregate: A): Promise<void> {
    await this.unitOfWork.run(async () => {
      // Watched before anything is written: a failure below that the caller catches still fails the commit.
      const written = this.watch(aggregate);
      await this.persist(aggregate);
      const unwritten = aggregate.peekDomainEvents().filter((event) => !written.has(event)) as Array<DomainEventOf<A>>;
      const outgoing = unwritten.flatMap((event) => this.integrationEventsOf(event));
      if (outgoing.length > 0) await this.outbox.add(...outgoing);
      for (const event of unwritten) written.add(event);
    });
  }

  /**
   * What a look-up hands out goes through here: inside a transaction, its commit then fails if the
   * aggregate records events and is not saved. (Outside one nothing can be saved by mistake.)
   */
  protected tracked(aggregate: A): A {
    if (this.unitOfWork.inTransaction) this.watch(aggregate);
    return aggregate;
  }

  /**
   * The events of `aggregate` written in the current transaction. Watching it the first time adds the
   * commit check (every pending event written) and, once committed, removes the written events from it.
   */
  private watch(aggregate: A): Set<DomainEvent> {
    const transaction = this.unitOfWork.currentTransaction;
    if (!transaction) throw new Error('an aggregate is watched only inside UnitOfWork.run');
    let watched = this.writtenPerTransaction.get(transaction);
    if (!watched) this.writtenPerTransaction.set(transaction, (watched = new Map<A, Set<DomainEvent>>()));
    const known = watched.get(aggregate);
    if (known) return known;
    const written = new Set<DomainEvent>();
    watched.set(aggregate, written);
    this.unitOfWork.beforeCommit(() => {
      const unwritten = aggregate.peekDomainEvents().filter((event) => !written.has(event));
      if (unwritten.length === 0) return;
      throw new UnsavedDomainEventsError(
        aggregate.constructor.name,
        unwritten[0]!.aggregateId,
        unwritten.map((event) => event.type),
      );
    });
    this.unitOfWork.afterCommit(() => aggregate.removeDomainEvents(written));
    return written;
  }

  /** Writes the aggregate's state (insert or update) in the current transaction. */
  protected abstract persist(aggregate: A): Promise<void>;
}
