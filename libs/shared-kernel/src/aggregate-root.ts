/** Something that happened inside one aggregate, in the language of its context. */
export interface DomainEvent {
  readonly type: string;
  readonly aggregateId: string;
  readonly occurredAt: Date;
}

/**
 * Aggregates change state only through guarded methods that `record` what happened; saving the
 * aggregate (`AggregateRepository.save`) writes the events to the outbox in the same transaction and
 * removes them from the aggregate only once that transaction has committed.
 */
export abstract class AggregateRoot<E extends DomainEvent = DomainEvent> {
  private pending: E[] = [];

  protected record(event: E): void {
    this.pending.push(event);
  }

  pullDomainEvents(): E[] {
    const events = this.pending;
    this.pending = [];
    return events;
  }

  /** The events recorded and not pulled yet, left in place. */
  peekDomainEvents(): readonly E[] {
    return [...this.pending];
  }

  /** Removes these pending events (by identity): they are stored, their transaction committed. */
  removeDomainEvents(stored: ReadonlySet<DomainEvent>): void {
    this.pending = this.pending.filter((event) => !stored.has(event));
  }
}
