import { deleteQueuesOf } from '@shop/testing';
import { defineSubscriptions, type SubscriptionManifest } from '@shop/contracts';
import { describe, expect, it } from 'vitest';
import { DELIVERY_LIMIT, deadLetterQueueArguments, mainQueueArguments, retryQueueArguments, retryQueueNameOf } from '../../src/amqp/index.js';
import { UnroutableError, deadLetterQueueNameOf, isUnroutableError, queueNameOf, type PublishOutcome } from '../../src/transport/transport.js';
import { closeConnectionNamed, connectTransport, deferred, eventTypeOf, makeEnvelope, useBroker, waitFor } from './helpers.js';

const manifestOf = (entries: ReadonlyArray<{ service: string; eventTypes: string[]; retryDelaysMs?: number[] }>): SubscriptionManifest =>
  defineSubscriptions(
    entries,
    entries.flatMap((entry) => entry.eventTypes),
  );

const unroutable = (outcome: PublishOutcome | undefined): UnroutableError | undefined =>
  outcome && !outcome.ok && isUnroutableError(outcome.error) ? outcome.error : undefined;

describe('AmqpTransport: the topology declared from the subscription manifest', () => {
  const broker = useBroker();
  const { newService } = broker;

  /** Whether `queue` exists (checkQueue on a missing queue closes its channel, hence a scratch one). */
  const queueExists = async (queue: string): Promise<boolean> => {
    const channel = await broker.probe.scratchChannel();
    try {
      await channel.checkQueue(queue);
      return true;
    } catch {
      return false;
    } finally {
      await channel.close().catch(() => {});
    }
  };

  it('declares every service queue of the manifest, so an event published before its consumer ever ran waits for it', async () => {
    const coupon = newService();
    const points = newService();
    const registered = eventTypeOf(coupon, 'registered');
    const placed = eventTypeOf(coupon, 'placed');
    const manifest = manifestOf([
      { service: coupon, eventTypes: [registered, placed], retryDelaysMs: [100, 200] },
      { service: points, eventTypes: [registered] },
    ]);
    const producer = await connectTransport();
    try {
      await producer.declareTopology(manifest);
      // Declaring again (another instance, a restart) is a no-op, never a conflict.
      await producer.declareTopology(manifest);
      for (const queue of [queueNameOf(coupon), deadLetterQueueNameOf(coupon), retryQueueNameOf(coupon, 100), retryQueueNameOf(coupon, 200)]) {
        expect(await queueExists(queue), queue).toBe(true);
      }
      for (const delayMs of [1_000, 5_000, 30_000]) expect(await queueExists(retryQueueNameOf(points, delayMs))).toBe(true);

      const first = makeEnvelope(registered);
      const second = makeEnvelope(placed);
      expect(await producer.publishBatch([first, second])).toEqual([{ ok: true }, { ok: true }]);
      await waitFor(async () => (await broker.probe.readyCount(queueNameOf(coupon))) === 2, 'both events in the coupon queue');
      expect(await broker.probe.readyCount(queueNameOf(points))).toBe(1);

      // The consumer that starts later declares the same queues with the same arguments, and gets them.
      const consumer = await connectTransport();
      const received: string[] = [];
      const both = deferred();
      await consumer.consume({
        service: coupon,
        eventTypes: [registered, placed],
        prefetch: 10,
        retry: { delaysMs: [100, 200] },
        handle: async (delivery) => {
          received.push((delivery.envelope as { id: string }).id);
          if (received.length === 2) both.resolve();
        },
      });
      await both.promise;
      expect(received).toEqual([first.id, second.id]);
      await consumer.close();
    } finally {
      await producer.close();
    }
  });

  it('declares with the arguments the consumers use', async () => {
    const service = newService();
    const producer = await connectTransport();
    try {
      await producer.declareTopology(manifestOf([{ service, eventTypes: [eventTypeOf(service)], retryDelaysMs: [100] }]));
      // A passive re-declaration with the consumer's arguments succeeds only if they are identical.
      const channel = await broker.probe.scratchChannel();
      await channel.assertQueue(queueNameOf(service), { durable: true, arguments: mainQueueArguments(service) });
      await channel.assertQueue(deadLetterQueueNameOf(service), { durable: true, arguments: deadLetterQueueArguments() });
      await channel.assertQueue(retryQueueNameOf(service, 100), { durable: true, arguments: retryQueueArguments(service, 100) });
      await channel.close();
      expect(mainQueueArguments(service)['x-delivery-limit']).toBe(DELIVERY_LIMIT);
    } finally {
      await producer.close();
    }
  });

  it('refuses a declaration the broker rejects, with the reason', async () => {
    const service = newService();
    const channel = await broker.probe.scratchChannel();
    // A queue left behind with other arguments (a classic queue where a quorum queue belongs).
    await channel.assertQueue(queueNameOf(service), { durable: true });
    await channel.close();
    const producer = await connectTransport();
    try {
      await expect(producer.declareTopology(manifestOf([{ service, eventTypes: [eventTypeOf(service)] }]))).rejects.toThrow(/PRECONDITION_FAILED/);
      // The publishing channel is untouched by the refused declaration: the broker still answers on it
      // (nothing is bound, and without a declared manifest the return is a failure).
      expect(producer.isReady()).toBe(true);
      const [outcome] = await producer.publishBatch([makeEnvelope(eventTypeOf(service))]);
      expect(unroutable(outcome)?.eventType).toBe(eventTypeOf(service));
    } finally {
      await producer.close();
    }
  });

  it('publishes mandatory: a returned event of a consumed type is an UnroutableError; one nobody consumes counts as published', async () => {
    const service = newService();
    const consumed = eventTypeOf(service, 'consumed');
    const ignored = eventTypeOf(service, 'ignored');
    const producer = await connectTransport();
    try {
      // Before any manifest is known, nothing tells a lost event from an unwanted one: every return fails.
      const [early] = await producer.publishBatch([makeEnvelope(ignored)]);
      expect(unroutable(early)?.eventType).toBe(ignored);

      await producer.declareTopology(manifestOf([{ service, eventTypes: [consumed] }]));
      await deleteQueuesOf(service);
      const lost = makeEnvelope(consumed);
      const outcomes = await producer.publishBatch([makeEnvelope(ignored), lost, makeEnvelope(ignored)]);
      expect(outcomes[0]).toEqual({ ok: true });
      expect(outcomes[2]).toEqual({ ok: true });
      const error = unroutable(outcomes[1]);
      expect(error).toBeInstanceOf(UnroutableError);
      expect(error?.message).toBe(`unroutable: no queue is bound for '${consumed}'`);

      // Once the queue is back, the same event goes out.
      await producer.declareTopology(manifestOf([{ service, eventTypes: [consumed] }]));
      expect(await producer.publishBatch([lost])).toEqual([{ ok: true }]);
      await waitFor(async () => (await broker.probe.readyCount(queueNameOf(service))) === 1, 'the event in its queue');
    } finally {
      await producer.close();
    }
  });

  it('declares the topology again when the publisher reconnects (a broker that lost its definitions)', async () => {
    const service = newService();
    const type = eventTypeOf(service);
    const connectionName = `${service}-producer`;
    const producer = await connectTransport({ connectionName });
    try {
      await producer.declareTopology(manifestOf([{ service, eventTypes: [type] }]));
      await deleteQueuesOf(service);
      expect(unroutable((await producer.publishBatch([makeEnvelope(type)]))[0])?.eventType).toBe(type);

      await closeConnectionNamed(`${connectionName}.publisher`);
      await waitFor(() => queueExists(queueNameOf(service)), 'the queue to be declared again');
      await waitFor(() => producer.isReady(), 'the publisher to be back');
      expect(await queueExists(deadLetterQueueNameOf(service))).toBe(true);
      expect(await producer.publishBatch([makeEnvelope(type)])).toEqual([{ ok: true }]);
    } finally {
      await producer.close();
    }
  });
});
