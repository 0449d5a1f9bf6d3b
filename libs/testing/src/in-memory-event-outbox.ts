import type { EventOutbox, OutgoingEvent } from '@shop/shared-kernel';
import type { InMemoryUnitOfWork, Transactional } from './in-memory-unit-of-work.js';

/**
 * Keeps what a use case adds, and rolls back with the unit of work it is given; refuses events added
 * outside a transaction, like the real outbox.
 */
export class InMemoryEventOutbox implements EventOutbox, Transactional {
  events: OutgoingEvent[] = [];
  failNext: Error | undefined;

  constructor(private readonly unitOfWork: InMemoryUnitOfWork) {
    unitOfWork.enlist(this);
  }

  async add(...events: OutgoingEvent[]): Promise<void> {
    if (!this.unitOfWork.inTransaction) throw new Error('events must be added inside UnitOfWork.run');
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    this.events.push(...events);
  }

  begin(): () => void {
    const before = [...this.events];
    return () => {
      this.events = before;
    };
  }

  ofType(type: string): OutgoingEvent[] {
    return this.events.filter((event) => event.type === type);
  }
}
