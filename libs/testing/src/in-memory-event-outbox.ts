import type { EventOutbox, OutgoingEvent } from '@shop/shared-kernel';
import type { Transactional } from './in-memory-unit-of-work.js';

/** Keeps what a use case adds; refuses events added outside a transaction, like the real outbox. */
export class InMemoryEventOutbox implements EventOutbox, Transactional {
  events: OutgoingEvent[] = [];
  failNext: Error | undefined;

  constructor(private readonly inTransaction: () => boolean) {}

  async add(...events: OutgoingEvent[]): Promise<void> {
    if (!this.inTransaction()) throw new Error('events must be added inside UnitOfWork.run');
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
