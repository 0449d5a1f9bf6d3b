import {
  AggregateRepository,
  type AggregateRoot,
  type DomainEvent,
  type DomainEventOf,
  type EventOutbox,
  type IntegrationEventMapping,
} from '@shop/shared-kernel';
import type { InMemoryUnitOfWork, Transactional } from './in-memory-unit-of-work.js';

/** How a fake stores an aggregate: as a row (a snapshot), never the instance a test holds. */
export interface RowMapping<A, Row> {
  toRow(aggregate: A): Row;
  fromRow(row: Row): A;
}

/**
 * The base of a context's in-memory repository fakes: saves through `AggregateRepository` exactly as
 * the real repositories do (the events go to the outbox through the context's mapping; a change
 * recorded after the save fails the commit), stores rows, and rolls back with its unit of work.
 * A fake adds its look-ups and the constraints its store enforces (by overriding `persist`).
 */
export abstract class InMemoryAggregateRepository<A extends AggregateRoot<DomainEvent> & { readonly id: string }, Row>
  extends AggregateRepository<A>
  implements Transactional
{
  protected readonly rows = new Map<string, Row>();
  private journal: Array<() => void> = [];

  protected constructor(
    unitOfWork: InMemoryUnitOfWork,
    outbox: EventOutbox,
    integrationEventsOf: IntegrationEventMapping<DomainEventOf<A>>,
    private readonly mapping: RowMapping<A, Row>,
  ) {
    super(unitOfWork, outbox, integrationEventsOf);
    unitOfWork.enlist(this);
  }

  async findById(id: string): Promise<A | null> {
    const row = this.rows.get(id);
    return row === undefined ? null : this.tracked(this.mapping.fromRow(row));
  }

  /** Puts an aggregate straight into the store, as if committed earlier or by another instance. */
  insert(aggregate: A): void {
    this.rows.set(aggregate.id, this.mapping.toRow(aggregate));
  }

  /** Every stored aggregate, for assertions (not tracked: not a look-up of a use case). */
  all(): A[] {
    return [...this.rows.values()].map((row) => this.mapping.fromRow(row));
  }

  /**
   * Rolling back undoes this transaction's saves only, never what `insert` put in meanwhile. Each
   * transaction has its own journal; the unit of work runs one transaction at a time.
   */
  begin(): () => void {
    const journal: Array<() => void> = [];
    this.journal = journal;
    return () => {
      for (const undo of journal.reverse()) undo();
    };
  }

  protected async persist(aggregate: A): Promise<void> {
    const previous = this.rows.get(aggregate.id);
    this.journal.push(() => (previous === undefined ? this.rows.delete(aggregate.id) : this.rows.set(aggregate.id, previous)));
    this.rows.set(aggregate.id, this.mapping.toRow(aggregate));
  }
}
