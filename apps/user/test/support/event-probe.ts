import type { Transport } from '@shop/messaging';

export interface SeenEvent {
  readonly id: string;
  readonly type: string;
  readonly aggregateId: string;
}

/** Another service's view of the user events: every delivery it gets, duplicates included. */
export class EventProbe {
  readonly seen: SeenEvent[] = [];

  static async listen(transport: Transport, service: string, eventTypes: readonly string[]): Promise<{ probe: EventProbe; stop: () => Promise<void> }> {
    const probe = new EventProbe();
    const handle = await transport.consume({
      service,
      eventTypes,
      prefetch: 16,
      retry: { delaysMs: [] },
      handle: async ({ envelope }) => {
        probe.seen.push(envelope as SeenEvent);
      },
    });
    return { probe, stop: () => handle.cancel() };
  }

  about(aggregateIds: readonly string[]): SeenEvent[] {
    return this.seen.filter((event) => aggregateIds.includes(event.aggregateId));
  }
}
