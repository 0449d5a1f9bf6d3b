import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GetMessage } from 'amqplib';
import type { EventEnvelope } from '@shop/contracts';
import { retryQueueNameOf } from '../../src/amqp/index.js';
import { PermanentDeliveryError, deadLetterQueueNameOf, type DeadLetter } from '../../src/transport/transport.js';
import type { AmqpTransport } from '../../src/amqp/index.js';
import { connectTransport, eventTypeOf, makeEnvelope, useBroker, waitFor } from './helpers.js';

const LISTINGS = 30;

/** What a listing shows of a letter; must not change however often it is listed. */
const shown = (letter: DeadLetter) => ({
  messageId: letter.messageId,
  type: letter.type,
  error: letter.error,
  attempts: letter.attempts,
  failedAt: letter.failedAt,
  envelope: letter.envelope,
});

describe('AmqpTransport: listing the DLQ', () => {
  const broker = useBroker();
  let transport: AmqpTransport;

  beforeAll(async () => {
    transport = await connectTransport();
  });

  afterAll(async () => {
    await transport.close();
  });

  /** Every message in the DLQ as the broker hands it out, given back untouched afterwards. */
  async function rawDeadLetters(service: string): Promise<GetMessage[]> {
    const channel = await broker.probe.scratchChannel();
    const messages: GetMessage[] = [];
    for (;;) {
      const message = await channel.get(deadLetterQueueNameOf(service), { noAck: false });
      if (message === false) break;
      messages.push(message);
    }
    await channel.close(); // gives them back
    await waitFor(async () => (await broker.probe.readyCount(deadLetterQueueNameOf(service))) === messages.length, 'the probed letters to be back');
    return messages;
  }

  it(`never raises a delivery count: ${LISTINGS} listings later the letters, their order and their counts are unchanged, and replay works`, async () => {
    const service = broker.newService();
    const type = eventTypeOf(service);
    let broken = true;
    const handled: string[] = [];
    const consumer = await transport.consume({
      service,
      eventTypes: [type],
      prefetch: 10,
      retry: { delaysMs: [100] },
      handle: async (delivery) => {
        const envelope = delivery.envelope as EventEnvelope<{ amount: number }>;
        if (broken && envelope.payload.amount < 0) throw new PermanentDeliveryError(`amount ${envelope.payload.amount} refused`);
        if (broken) throw new Error('always failing');
        handled.push(envelope.id);
      },
    });
    // Five letters dead-lettered by the consumer, with our headers.
    const refused = Array.from({ length: 5 }, (_, index) => makeEnvelope(type, { payload: { amount: -1 - index } }));
    expect((await transport.publishBatch(refused)).every((outcome) => outcome.ok)).toBe(true);
    await waitFor(async () => (await transport.depth(service)) === 5, 'five dead letters');
    // One dead-lettered by the broker itself: without its retry queue the failed message is requeued
    // until the main queue's delivery limit; it carries only the broker's x-death.
    const scratch = await broker.probe.scratchChannel();
    await scratch.deleteQueue(retryQueueNameOf(service, 100));
    await scratch.close();
    const doomed = makeEnvelope(type, { payload: { amount: 1 } });
    expect(await transport.publishBatch([doomed])).toEqual([{ ok: true }]);
    await waitFor(async () => (await transport.depth(service)) === 6, 'the broker to dead-letter the sixth');
    await consumer.cancel();

    const first = (await transport.list(service)).map(shown);
    expect(first.map((letter) => letter.messageId)).toEqual([...refused.map((envelope) => envelope.id), doomed.id]);
    expect(first[0]).toMatchObject({ error: 'amount -1 refused', attempts: 1 });
    expect(first[5]!.error).toBe('dead-lettered by the broker: delivery_limit');
    const countsBefore = (await rawDeadLetters(service)).map((message) => message.properties.headers?.['x-delivery-count'] ?? 0);
    expect(countsBefore.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);

    for (let listing = 1; listing <= LISTINGS; listing++) {
      // Shorter listings too: they must neither count a delivery nor move what they looked at.
      const limit = listing % 3 === 0 ? 2 : undefined;
      const letters = (await transport.list(service, limit)).map(shown);
      expect(letters, `listing ${listing}`).toEqual(limit ? first.slice(0, limit) : first);
    }

    expect(await transport.depth(service)).toBe(6);
    const raw = await rawDeadLetters(service);
    expect(raw.map((message) => message.properties.messageId)).toEqual(first.map((letter) => letter.messageId));
    expect(raw.map((message) => message.properties.headers?.['x-delivery-count'] ?? 0)).toEqual(countsBefore.map(() => 0));
    // The broker's reason travels in our header now that x-death is gone.
    expect(raw[5]!.properties.headers?.['x-death']).toBeUndefined();
    expect(raw[5]!.properties.headers?.['shop-error']).toBe('dead-lettered by the broker: delivery_limit');
    expect(raw[5]!.properties.headers?.['shop-original-routing-key']).toBe(type);
    expect((await transport.list(service)).map(shown)).toEqual(first);

    // Nothing lost: all six replay and are handled once the handler is fixed.
    broken = false;
    const healed = await transport.consume({
      service,
      eventTypes: [type],
      prefetch: 10,
      retry: { delaysMs: [100] },
      handle: async (delivery) => void handled.push((delivery.envelope as EventEnvelope).id),
    });
    expect(await transport.replay(service)).toBe(6);
    await waitFor(() => handled.length === 6, 'the six replayed letters to be handled');
    expect(new Set(handled)).toEqual(new Set(first.map((letter) => letter.messageId)));
    expect(await transport.depth(service)).toBe(0);
    await healed.cancel();
  });
});
