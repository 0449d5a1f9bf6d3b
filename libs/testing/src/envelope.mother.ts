import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@shop/contracts';

/**
 * A valid envelope of `type` with fresh ids; tests state only what matters to them through
 * `overrides` (aggregate, payload, correlation, …).
 */
export function anEnvelope<P = unknown>(type: string, overrides: Partial<EventEnvelope<P>> = {}): EventEnvelope<P> {
  return {
    id: randomUUID(),
    type,
    occurredAt: new Date().toISOString(),
    source: 'test',
    aggregateId: randomUUID(),
    correlationId: randomUUID(),
    causationId: null,
    payload: {} as P,
    ...overrides,
  };
}
