import { describe, expect, it } from 'vitest';
import { defineSubscriptions, type SubscriptionManifest } from '@shop/contracts';
import type { MessageHandler } from '@nestjs/microservices';
import type { EventConsumer, EventHandlerRegistration } from '../consumer/event-consumer.js';
import { ShopEventsServer, consumerRetryPolicyOf } from './shop-events.server.js';

const PLACED = 'order.placed.v1';
const PAID = 'order.paid.v1';
const manifest: SubscriptionManifest = defineSubscriptions(
  [
    { service: 'coupon', eventTypes: [PLACED, PAID], retryDelaysMs: [10, 20] },
    { service: 'points', eventTypes: [PLACED] },
  ],
  [PLACED, PAID],
);

/** Records what the server registers and whether it started the consumer. */
class RecordingConsumer {
  readonly registered: string[] = [];
  started = false;
  register(registration: EventHandlerRegistration): void {
    this.registered.push(registration.type);
  }
  async start(): Promise<void> {
    this.started = true;
  }
}

async function listen(service: string, handledTypes: readonly string[]): Promise<{ error: unknown; consumer: RecordingConsumer }> {
  const consumer = new RecordingConsumer();
  const server = new ShopEventsServer(consumer as unknown as EventConsumer, { service, manifest });
  for (const type of handledTypes) server.addHandler(type, (async () => undefined) as unknown as MessageHandler, true, { handler: `react-to-${type}` });
  const error = await new Promise<unknown>((resolve) => void server.listen((failure?: unknown) => resolve(failure)));
  return { error, consumer };
}

describe('ShopEventsServer and the subscription manifest', () => {
  it('starts when the handlers are exactly what the manifest routes to the service', async () => {
    const { error, consumer } = await listen('coupon', [PAID, PLACED]);
    expect(error).toBeUndefined();
    expect(consumer.started).toBe(true);
    expect(consumer.registered.sort()).toEqual([PAID, PLACED]);
  });

  it('starts a service that neither handles nor is routed anything', async () => {
    expect((await listen('order', [])).error).toBeUndefined();
  });

  it('refuses a handler of a type the manifest does not route to the service: it would never receive it', async () => {
    const { error, consumer } = await listen('points', [PLACED, PAID]);
    expect((error as Error).message).toBe(
      "points refuses to start: it has handlers for 'order.paid.v1', which the subscription manifest does not route to 'points' (it would never receive them). " +
        "Make the service's entry in the manifest (@shop/contracts subscriptions) match its handlers.",
    );
    expect(consumer.started).toBe(false);
    expect((await listen('order', [PLACED])).error).toBeInstanceOf(Error);
  });

  it('refuses a routed type that no handler listens to: its events would be taken off the queue and dropped', async () => {
    const { error, consumer } = await listen('coupon', [PLACED]);
    expect((error as Error).message).toMatch(
      /^coupon refuses to start: the subscription manifest routes 'order.paid.v1' to 'coupon', but no handler listens to it/,
    );
    expect(consumer.started).toBe(false);
  });
});

describe('consumerRetryPolicyOf', () => {
  it("takes the service's delays from the manifest, the default when it has none", () => {
    expect(consumerRetryPolicyOf('coupon', manifest, undefined)).toEqual({ delaysMs: [10, 20] });
    expect(consumerRetryPolicyOf('points', manifest, undefined)).toEqual({ delaysMs: [1_000, 5_000, 30_000] });
  });

  it('accepts explicit delays that agree with the manifest, or for a service it does not list', () => {
    expect(consumerRetryPolicyOf('coupon', manifest, { delaysMs: [10, 20] })).toEqual({ delaysMs: [10, 20] });
    expect(consumerRetryPolicyOf('order', manifest, { delaysMs: [5] })).toEqual({ delaysMs: [5] });
  });

  it('refuses explicit delays that differ: the other services declare the retry queues from the manifest', () => {
    expect(() => consumerRetryPolicyOf('points', manifest, { delaysMs: [50, 100] })).toThrow(
      "points: retry delays [50, 100] differ from the subscription manifest's [1000, 5000, 30000]",
    );
  });
});
