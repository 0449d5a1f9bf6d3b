import type { IdempotentRequest } from './idempotency.store.js';

interface Flight {
  readonly request: IdempotentRequest;
  readonly settled: Promise<void>;
}

/**
 * The keys this process is serving right now. A second request with one of them waits here for the
 * first instead of at the database: no connection held, no polling, and on SQLite, where every
 * transaction queues behind the one of the request that holds the key, the only way to answer
 * 409 `REQUEST_IN_PROGRESS` or 422 within the wait. Requests on other instances meet at the
 * database (the claim). One per service, in the idempotency module.
 */
export class InFlightRequests {
  private readonly flights = new Map<string, Flight>();

  get(request: IdempotentRequest): Flight | undefined {
    return this.flights.get(idOf(request));
  }

  /** Marks `request`'s key as served by this process until the returned function is called (once is enough). */
  begin(request: IdempotentRequest): () => void {
    const id = idOf(request);
    let end!: () => void;
    const settled = new Promise<void>((resolve) => (end = resolve));
    const flight = { request, settled };
    this.flights.set(id, flight);
    return () => {
      if (this.flights.get(id) === flight) this.flights.delete(id);
      end();
    };
  }

  get size(): number {
    return this.flights.size;
  }
}

const idOf = (request: IdempotentRequest): string => `${request.scope}\n${request.key}`;
