import { describe, expect, it } from 'vitest';
import type { GetMessage } from 'amqplib';
import { EVENTS_EXCHANGE, queueNameOf, type Delivery } from '../../src/transport/transport.js';
import { closeConnectionNamed, connectTransport, deferred, eventTypeOf, makeEnvelope, queueCounts, sleep, useBroker, waitFor } from './helpers.js';

const RETRY = { delaysMs: [100] };

describe('AmqpTransport: publish and consume', () => {
  const broker = useBroker();
  const { newService } = broker;

  it('carries every property and header of the envelope, and hands it over as attempt 1', async () => {
    const service = newService();
    const type = eventTypeOf(service);
    // A plain queue bound to the same key shows what actually travels on the wire.
    const observer = `${service}.observer`;
    await broker.probe.channel.assertQueue(observer, { durable: false, autoDelete: false });
    await broker.probe.channel.bindQueue(observer, EVENTS_EXCHANGE, type);

    const transport = await connectTransport();
    try {
      const deliveries: Delivery[] = [];
      const consumer = await transport.consume({
        service,
        eventTypes: [type],
        prefetch: 10,
        retry: RETRY,
        handle: async (delivery) => {
          deliveries.push(delivery);
        },
      });
      expect(transport.isReady()).toBe(true);

      const caused = makeEnvelope(type);
      const uncaused = makeEnvelope(type, { causationId: null, payload: null });
      const sentAtSeconds = Math.floor(Date.now() / 1000);
      const outcomes = await transport.publishBatch([caused, uncaused]);
      expect(outcomes).toEqual([{ ok: true }, { ok: true }]);

      await waitFor(() => deliveries.length === 2, 'both deliveries');
      const byId = new Map(deliveries.map((delivery) => [(delivery.envelope as { id: string }).id, delivery]));
      expect(byId.get(caused.id)).toEqual({ envelope: caused, attempt: 1 });
      expect(byId.get(uncaused.id)).toEqual({ envelope: uncaused, attempt: 1 });

      const wire = (await broker.probe.channel.get(observer, { noAck: true })) as GetMessage;
      expect(wire).toBeTruthy();
      expect(wire.fields.exchange).toBe(EVENTS_EXCHANGE);
      expect(wire.fields.routingKey).toBe(type);
      expect(wire.properties).toMatchObject({
        messageId: caused.id,
        type,
        contentType: 'application/json',
        deliveryMode: 2,
        correlationId: caused.correlationId,
      });
      expect(wire.properties.timestamp).toBeGreaterThanOrEqual(sentAtSeconds);
      expect(wire.properties.timestamp).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
      expect(wire.properties.headers).toEqual({
        source: caused.source,
        aggregateId: caused.aggregateId,
        correlationId: caused.correlationId,
        causationId: caused.causationId,
        occurredAt: caused.occurredAt,
      });
      expect(JSON.parse(wire.content.toString('utf8'))).toEqual(caused.payload);

      await consumer.cancel();
    } finally {
      await transport.close();
    }
    expect(transport.isReady()).toBe(false);
  });

  it('carries the per-aggregate sequence as a numeric header, and leaves it out when the envelope has none', async () => {
    const service = newService();
    const type = eventTypeOf(service);
    const observer = `${service}.observer`;
    const transport = await connectTransport();
    try {
      const deliveries: Delivery[] = [];
      await transport.consume({ service, eventTypes: [type], prefetch: 10, retry: RETRY, handle: async (delivery) => void deliveries.push(delivery) });
      // After the consumer, which has declared the exchange.
      await broker.probe.channel.assertQueue(observer, { durable: false, autoDelete: false });
      await broker.probe.channel.bindQueue(observer, EVENTS_EXCHANGE, type);
      const numbered = makeEnvelope(type, { sequence: 2 ** 33 + 7 });
      const unnumbered = makeEnvelope(type);
      expect(await transport.publishBatch([numbered, unnumbered])).toEqual([{ ok: true }, { ok: true }]);
      await waitFor(() => deliveries.length === 2, 'both deliveries');
      const byId = new Map(deliveries.map((delivery) => [(delivery.envelope as { id: string }).id, delivery.envelope]));
      expect(byId.get(numbered.id)).toStrictEqual(numbered);
      expect(byId.get(unnumbered.id)).toStrictEqual(unnumbered);
      expect(byId.get(unnumbered.id)).not.toHaveProperty('sequence');

      const wire = (await broker.probe.channel.get(observer, { noAck: true })) as GetMessage;
      expect(wire.properties.headers?.['sequence']).toBe(2 ** 33 + 7);
    } finally {
      await transport.close();
    }
  });

  it('acks only once the handler has resolved', async () => {
    const service = newService();
    const type = eventTypeOf(service);
    const transport = await connectTransport();
    const release = deferred();
    try {
      const started = deferred();
      let finished = 0;
      await transport.consume({
        service,
        eventTypes: [type],
        prefetch: 5,
        retry: RETRY,
        handle: async () => {
          started.resolve();
          await release.promise;
          finished++;
        },
      });
      expect(await transport.publishBatch([makeEnvelope(type)])).toEqual([{ ok: true }]);
      await started.promise;
      // Quorum queues report their counts every few seconds, hence the waiting.
      await waitFor(async () => (await queueCounts(queueNameOf(service))).unacked === 1, 'the broker to report the delivery unacked');
      expect(await queueCounts(queueNameOf(service))).toEqual({ ready: 0, unacked: 1 });
      expect(finished).toBe(0);

      release.resolve();
      await waitFor(() => finished === 1, 'the handler to finish');
      await waitFor(async () => (await queueCounts(queueNameOf(service))).unacked === 0, 'the ack');
      expect(await queueCounts(queueNameOf(service))).toEqual({ ready: 0, unacked: 0 });
    } finally {
      release.resolve();
      await transport.close();
    }
  });

  it('redelivers a message whose handler was still running when the connection dropped, and consumes on', async () => {
    const service = newService();
    const type = eventTypeOf(service);
    const connectionName = `test-${service}`;
    const transport = await connectTransport({ connectionName });
    const release = deferred();
    try {
      const attempts: { id: string; attempt: number }[] = [];
      const firstStarted = deferred();
      await transport.consume({
        service,
        eventTypes: [type],
        prefetch: 5,
        retry: RETRY,
        handle: async ({ envelope, attempt }) => {
          attempts.push({ id: (envelope as { id: string }).id, attempt });
          if (attempts.length === 1) {
            firstStarted.resolve();
            await release.promise;
          }
        },
      });
      const inFlight = makeEnvelope(type);
      expect(await transport.publishBatch([inFlight])).toEqual([{ ok: true }]);
      await firstStarted.promise;

      await closeConnectionNamed(`${connectionName}.consumer`);
      // The first run finishes after its channel is gone: its ack cannot count, so the broker redelivers.
      release.resolve();
      await waitFor(() => attempts.length === 2, 'the redelivery');
      expect(attempts).toEqual([
        { id: inFlight.id, attempt: 1 },
        { id: inFlight.id, attempt: 1 },
      ]);

      const later = makeEnvelope(type);
      expect(await transport.publishBatch([later])).toEqual([{ ok: true }]);
      await waitFor(() => attempts.some(({ id }) => id === later.id), 'a message published after the reconnect');
      await waitFor(async () => {
        const counts = await queueCounts(queueNameOf(service));
        return counts.ready === 0 && counts.unacked === 0;
      }, 'an empty queue');
    } finally {
      release.resolve();
      await transport.close();
    }
  });

  it('runs deliveries concurrently up to the prefetch, and cancel waits for those in flight', async () => {
    const service = newService();
    const type = eventTypeOf(service);
    const transport = await connectTransport();
    const release = deferred();
    try {
      let running = 0;
      let maxRunning = 0;
      let done = 0;
      const consumer = await transport.consume({
        service,
        eventTypes: [type],
        prefetch: 3,
        retry: RETRY,
        handle: async () => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await release.promise;
          running--;
          done++;
        },
      });
      const outcomes = await transport.publishBatch(Array.from({ length: 8 }, () => makeEnvelope(type)));
      expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
      await waitFor(() => running === 3, 'three handlers running');
      await sleep(200);
      expect(maxRunning).toBe(3);

      const cancelled = consumer.cancel();
      let cancelSettled = false;
      void cancelled.then(() => (cancelSettled = true));
      await sleep(100);
      expect(cancelSettled).toBe(false);
      release.resolve();
      await cancelled;
      // The three in flight finished and were acked; the rest stayed in the queue for the next consumer.
      expect(done).toBe(3);
      await waitFor(async () => (await broker.probe.readyCount(queueNameOf(service))) === 5, 'the other five to be back in the queue');
    } finally {
      release.resolve();
      await transport.close();
    }
  });

  it('answers an empty batch with no outcomes', async () => {
    const transport = await connectTransport();
    try {
      expect(await transport.publishBatch([])).toEqual([]);
    } finally {
      await transport.close();
    }
  });

  it('leaves no sockets or timers behind after close()', async () => {
    const service = newService();
    const type = eventTypeOf(service);
    const countHandles = () => {
      const resources = process.getActiveResourcesInfo();
      return {
        sockets: resources.filter((resource) => resource === 'TCPSocketWrap').length,
        timers: resources.filter((resource) => resource === 'Timeout').length,
      };
    };
    const before = countHandles();

    const transport = await connectTransport();
    const received = deferred();
    await transport.consume({ service, eventTypes: [type], prefetch: 1, retry: RETRY, handle: async () => received.resolve() });
    await transport.publishBatch([makeEnvelope(type)]);
    await received.promise;
    expect(countHandles().sockets).toBeGreaterThan(before.sockets);
    await transport.close();

    await waitFor(() => {
      const after = countHandles();
      return after.sockets <= before.sockets && after.timers <= before.timers;
    }, 'every socket and timer to go');
    const outcomes = await transport.publishBatch([makeEnvelope(type)]);
    expect(outcomes[0]?.ok).toBe(false);
  });
});
