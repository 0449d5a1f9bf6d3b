import type { EventEnvelope } from '@shop/contracts';
import type { Transport } from '@shop/messaging';

/**
 * Another service's view of some events, for end-to-end tests: it consumes them as a service of
 * its own (`service`) and keeps every delivery it gets, duplicates included.
 */
export class EventProbe<P = unknown> {
  readonly seen: EventEnvelope<P>[] = [];

  static async listen<P = unknown>(
    transport: Transport,
    service: string,
    eventTypes: readonly string[],
  ): Promise<{ probe: EventProbe<P>; stop: () => Promise<void> }> {
    const probe = new EventProbe<P>();
    // The memory transport delivers only to declared subscribers; a probe is a subscriber of its own.
    if (transport.kind === 'memory') await transport.declareTopology?.([{ service, eventTypes }]);
    const handle = await transport.consume({
      service,
      eventTypes,
      prefetch: 16,
      retry: { delaysMs: [] },
      handle: async ({ envelope }) => {
        probe.seen.push(envelope as EventEnvelope<P>);
      },
    });
    return { probe, stop: () => handle.cancel() };
  }

  about(aggregateIds: readonly string[]): EventEnvelope<P>[] {
    return this.seen.filter((event) => aggregateIds.includes(event.aggregateId));
  }
}
