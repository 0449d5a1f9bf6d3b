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

/** A transaction was about to commit while an aggregate it saved or loaded held events never saved; it is rolled back. */
export class UnsavedDomainEventsError extends Error {
  constructor(
    readonly aggregate: string,
    readonly aggregateId: string,
    readonly eventTypes: readonly string[],
  ) {
    super(
      `${aggregate} ${aggregateId} recorded ${eventTypes.join(', ')} and was not saved afterwards; ` +
        'the transaction is rolled back rather than commit without that change and its events: save the aggregate after changing it',
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
 * An aggregate changed (events recorded) and then not saved would lose its change and its events
 * without a word; instead the transaction refuses to commit (`UnsavedDomainEventsError`). That holds
 * for every aggregate saved in the transaction, and for every one a look-up handed out in it when the
 * repository passes what it loads through `tracked`.
 */
export abstract class AggregateRepository<A extends AggregateRoot<DomainEvent>> {
  protected constructor(
    protected readonly unitOfWork: UnitOfWork,
    private readonly outbox: EventOutbox,
    private readonly integrationEventsOf: IntegrationEventMapping<DomainEventOf<A>>,
  ) {}

  async save(aggregate: A): Promise<void> {
    await this.unitOfWork.run(async () => {
      await this.persist(aggregate);
      const events = aggregate.pullDomainEvents() as Array<DomainEventOf<A>>;
      const outgoing = events.flatMap((event) => this.integrationEventsOf(event));
      if (outgoing.length > 0) await this.outbox.add(...outgoing);
      this.refuseCommitWhileUnsaved(aggregate);
    });
  }

  /**
   * What a look-up hands out goes through here: inside a transaction, its commit then fails if the
   * aggregate records events and is not saved. (Outside one nothing can be saved by mistake.)
   */
  protected tracked(aggregate: A): A {
    if (this.unitOfWork.inTransaction) this.refuseCommitWhileUnsaved(aggregate);
    return aggregate;
  }

  private refuseCommitWhileUnsaved(aggregate: A): void {
    this.unitOfWork.beforeCommit(() => {
      const unsaved = aggregate.peekDomainEvents();
      if (unsaved.length === 0) return;
      throw new UnsavedDomainEventsError(
        aggregate.constructor.name,
        unsaved[0]!.aggregateId,
        unsaved.map((event) => event.type),
      );
    });
  }

  /** Writes the aggregate's state (insert or update) in the current transaction. */
  protected abstract persist(aggregate: A): Promise<void>;
}
