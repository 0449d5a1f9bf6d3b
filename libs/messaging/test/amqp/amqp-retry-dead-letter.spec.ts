import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GetMessage } from 'amqplib';
import type { EventEnvelope } from '@shop/contracts';
import { EVENTS_EXCHANGE, PermanentDeliveryError, deadLetterQueueNameOf, queueNameOf, type Delivery } from '../../src/transport/transport.js';
import type { AmqpTransport } from '../../src/amqp/index.js';
import { connectTransport, eventTypeOf, makeEnvelope, uniqueService, useBroker, waitFor } from './helpers.js';

const DELAYS_MS = [100, 200];
/** Timers and the broker's TTL expiry are not exact to the millisecond. */
const TIMING_SLACK_MS = 15;

interface Call {
  readonly id: string;
  readonly attempt: number;
  readonly at: number;
}

describe('AmqpTransport: retries and dead letters', () => {
  const broker = useBroker();
  let transport: AmqpTransport;

  beforeAll(async () => {
    transport = await connectTransport();
  });

  afterAll(async () => {
    await transport.close();
  });

  /** A consumer whose handler does whatever `behaviour` says for each message, recording every call. */
  async function consumeWith(behaviour: (envelope: EventEnvelope, delivery: Delivery) => void | Promise<void>) {
    const service = broker.newService();
    const type = eventTypeOf(service);
    const calls: Call[] = [];
    const consumer = await transport.consume({
      service,
      eventTypes: [type],
      prefetch: 10,
      retry: { delaysMs: DELAYS_MS },
      handle: async (delivery) => {
        const envelope = delivery.envelope as EventEnvelope;
        calls.push({ id: envelope.id, attempt: delivery.attempt, at: Date.now() });
        await behaviour(envelope, delivery);
      },
    });
    const callsOf = (id: string) => calls.filter((call) => call.id === id);
    return { service, type, calls, callsOf, consumer };
  }

  it('retries with the configured delays, dead-letters what keeps failing, and replays it on request', async () => {
    const failuresLeft = new Map<string, number>();
    let poisonFixed = false;
    let permanentFixed = false;
    const ids: { flaky?: string; poison?: string; permanent?: string } = {};
    const { service, type, callsOf, consumer } = await consumeWith((envelope) => {
      if (envelope.id === ids.flaky) {
        const left = failuresLeft.get(envelope.id) ?? 0;
        failuresLeft.set(envelope.id, left - 1);
        if (left > 0) throw new Error('flaky failure');
      }
      if (envelope.id === ids.poison && !poisonFixed) throw new Error('poison: cannot handle this');
      if (envelope.id === ids.permanent && !permanentFixed) throw new PermanentDeliveryError('schema violation: amount missing');
    });
    const poison = makeEnvelope(type);
    const flaky = makeEnvelope(type);
    const permanent = makeEnvelope(type);
    const healthy = makeEnvelope(type);
    Object.assign(ids, { flaky: flaky.id, poison: poison.id, permanent: permanent.id });
    failuresLeft.set(flaky.id, 2);

    const outcomes = await transport.publishBatch([poison, flaky, permanent, healthy]);
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);

    // Failed twice, then succeeded on the third attempt, after waiting each configured delay.
    await waitFor(() => callsOf(flaky.id).length === 3, 'the flaky message to succeed');
    const flakyCalls = callsOf(flaky.id);
    expect(flakyCalls.map((call) => call.attempt)).toEqual([1, 2, 3]);
    expect(flakyCalls[1]!.at - flakyCalls[0]!.at).toBeGreaterThanOrEqual(DELAYS_MS[0]! - TIMING_SLACK_MS);
    expect(flakyCalls[2]!.at - flakyCalls[1]!.at).toBeGreaterThanOrEqual(DELAYS_MS[1]! - TIMING_SLACK_MS);

    // Always failing: delaysMs.length + 1 attempts, then the DLQ. Meanwhile the others flowed.
    await waitFor(async () => (await transport.depth(service)) === 2, 'two dead letters');
    expect(callsOf(poison.id).map((call) => call.attempt)).toEqual([1, 2, 3]);
    expect(callsOf(healthy.id)).toHaveLength(1);
    expect(callsOf(healthy.id)[0]!.at).toBeLessThan(callsOf(poison.id)[1]!.at);
    // A PermanentDeliveryError is not retried.
    expect(callsOf(permanent.id).map((call) => call.attempt)).toEqual([1]);
    expect(await broker.probe.readyCount(queueNameOf(service))).toBe(0);

    // Listing does not consume: the same letters, oldest first, every time it covers the whole DLQ.
    const letters = await transport.list(service);
    expect(letters.map((letter) => letter.messageId)).toEqual([permanent.id, poison.id]);
    expect((await transport.list(service)).map((letter) => letter.messageId)).toEqual([permanent.id, poison.id]);
    expect(await transport.depth(service)).toBe(2);
    const [permanentLetter, poisonLetter] = letters;
    expect(poisonLetter).toMatchObject({ service, type, envelope: poison, error: 'poison: cannot handle this', attempts: 3 });
    expect(permanentLetter).toMatchObject({ service, type, envelope: permanent, error: 'schema violation: amount missing', attempts: 1 });
    expect(new Date(poisonLetter!.failedAt).toISOString()).toBe(poisonLetter!.failedAt);

    // A shorter listing keeps the order too: every listing walks the whole DLQ once.
    expect((await transport.list(service, 1)).map((letter) => letter.messageId)).toEqual([permanent.id]);
    expect((await transport.list(service)).map((letter) => letter.messageId)).toEqual([permanent.id, poison.id]);

    // On the wire: the original routing key and the failing service travel with the dead letter.
    const ahead = (await broker.probe.channel.get(deadLetterQueueNameOf(service), { noAck: false })) as GetMessage;
    expect(ahead.properties.messageId).toBe(permanent.id);
    const raw = (await broker.probe.channel.get(deadLetterQueueNameOf(service), { noAck: false })) as GetMessage;
    expect(raw.properties).toMatchObject({ messageId: poison.id, type, correlationId: poison.correlationId, deliveryMode: 2 });
    expect(raw.properties.headers).toMatchObject({
      'shop-service': service,
      'shop-original-routing-key': type,
      'shop-attempts': 3,
      'shop-error': 'poison: cannot handle this',
    });
    broker.probe.channel.nackAll(true);
    await waitFor(async () => (await transport.depth(service)) === 2, 'the probed letter to be back');

    // Replaying one by id leaves the other where it is.
    permanentFixed = true;
    expect(await transport.replay(service, [permanent.id])).toBe(1);
    await waitFor(() => callsOf(permanent.id).length === 2, 'the replayed message to be handled');
    expect(callsOf(permanent.id)[1]!.attempt).toBe(1);
    expect(await transport.depth(service)).toBe(1);
    expect((await transport.list(service)).map((letter) => letter.messageId)).toEqual([poison.id]);

    // Replaying the rest, to the now-working handler.
    poisonFixed = true;
    expect(await transport.replay(service)).toBe(1);
    await waitFor(() => callsOf(poison.id).length === 4, 'the replayed poison message to be handled');
    expect(callsOf(poison.id)[3]!.attempt).toBe(1);
    expect(await transport.depth(service)).toBe(0);
    expect(await transport.list(service)).toEqual([]);
    await waitFor(async () => (await broker.probe.readyCount(queueNameOf(service))) === 0, 'an empty service queue');
    // Only this service saw the replays: they went through the default exchange, not shop.events.
    expect(callsOf(healthy.id)).toHaveLength(1);

    await consumer.cancel();
  });

  it('dead-letters a body that is not JSON without ever calling the handler', async () => {
    const { service, type, calls, callsOf, consumer } = await consumeWith(() => {});
    await broker.probe.publishRaw(EVENTS_EXCHANGE, type, Buffer.from('{"not json'), {
      persistent: true,
      messageId: 'raw-unparseable-1',
      type,
      contentType: 'application/json',
    });
    const after = makeEnvelope(type);
    expect(await transport.publishBatch([after])).toEqual([{ ok: true }]);

    await waitFor(async () => (await transport.depth(service)) === 1, 'the unparseable message in the DLQ');
    await waitFor(() => callsOf(after.id).length === 1, 'the next message to be handled');
    expect(calls.map((call) => call.id)).toEqual([after.id]);
    const [letter] = await transport.list(service);
    expect(letter).toMatchObject({ service, messageId: 'raw-unparseable-1', type, attempts: 1 });
    expect(letter!.error).toMatch(/^unparseable body/);
    expect((letter!.envelope as { payload: unknown }).payload).toBe('{"not json');

    await consumer.cancel();
  });

  it('never acks a failed message it could not move: requeued, and dead-lettered by the broker at the delivery limit', async () => {
    const { service, type, callsOf, consumer } = await consumeWith(() => {
      throw new Error('always failing');
    });
    // Without its retry queue the retry copy is unroutable, so the original must not be acked.
    const scratch = await broker.probe.scratchChannel();
    await scratch.deleteQueue(`${queueNameOf(service)}.retry.${DELAYS_MS[0]}`);
    await scratch.close();

    const doomed = makeEnvelope(type);
    expect(await transport.publishBatch([doomed])).toEqual([{ ok: true }]);
    await waitFor(async () => (await transport.depth(service)) === 1, 'the broker to dead-letter it');
    // Requeued after each failed move until the queue's x-delivery-limit (20): 21 deliveries in all.
    expect(callsOf(doomed.id).length).toBe(21);
    expect(callsOf(doomed.id).every((call) => call.attempt === 1)).toBe(true);
    const [letter] = await transport.list(service);
    expect(letter).toMatchObject({ messageId: doomed.id, envelope: doomed, error: 'dead-lettered by the broker: delivery_limit' });

    await consumer.cancel();
  });

  it('treats the DLQ of a service that never consumed as empty', async () => {
    const service = uniqueService();
    expect(await transport.depth(service)).toBe(0);
    expect(await transport.list(service)).toEqual([]);
    expect(await transport.replay(service)).toBe(0);
  });
});
