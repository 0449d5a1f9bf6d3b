import { describe, expect, it } from 'vitest';
import { TransientDeliveryError, queueNameOf } from '../../src/transport/transport.js';
import { retryQueueNameOf } from '../../src/amqp/amqp-topology.js';
import { closeConnectionNamed, connectTransport, deferred, eventTypeOf, makeEnvelope, rabbitmqctl, sleep, useBroker, waitFor } from './helpers.js';

const RETRY = { delaysMs: [100] };

describe('AmqpTransport: pause, resume and transient failures', () => {
  const broker = useBroker();
  const { newService } = broker;

  it('gives a transiently failed delivery back to the queue with its attempt unchanged, never through a retry queue', async () => {
    const service = newService();
    const type = eventTypeOf(service);
    const transport = await connectTransport();
    try {
      const attempts: number[] = [];
      const handle = await transport.consume({
        service,
        eventTypes: [type],
        prefetch: 1,
        retry: RETRY,
        handle: async (delivery) => {
          attempts.push(delivery.attempt);
          if (attempts.length <= 3) throw new TransientDeliveryError('database unreachable');
        },
      });
      expect(await transport.publishBatch([makeEnvelope(type)])).toEqual([{ ok: true }]);
      await waitFor(() => attempts.length === 4, 'the fourth delivery');
      expect(attempts).toEqual([1, 1, 1, 1]);
      await waitFor(async () => (await broker.probe.readyCount(queueNameOf(service))) === 0, 'an empty queue');
      expect(await broker.probe.readyCount(retryQueueNameOf(service, 100))).toBe(0);
      expect(await transport.depth(service)).toBe(0);
      await handle.cancel();
    } finally {
      await transport.close();
    }
  });

  it('takes no deliveries while paused (in-flight ones still settle), takes them again on resume; both idempotent', async () => {
    const service = newService();
    const type = eventTypeOf(service);
    const transport = await connectTransport();
    try {
      const handled: string[] = [];
      const release = deferred();
      const first = makeEnvelope(type);
      const handle = await transport.consume({
        service,
        eventTypes: [type],
        prefetch: 4,
        retry: RETRY,
        handle: async (delivery) => {
          const { id } = delivery.envelope as { id: string };
          if (id === first.id) await release.promise;
          handled.push(id);
        },
      });
      expect(await transport.publishBatch([first])).toEqual([{ ok: true }]);
      await sleep(100);

      await handle.pause();
      await handle.pause();
      const whilePaused = [makeEnvelope(type), makeEnvelope(type)];
      expect(await transport.publishBatch(whilePaused)).toEqual([{ ok: true }, { ok: true }]);
      // The delivery in flight when pausing finishes and is acked on the channel kept open.
      release.resolve();
      await waitFor(() => handled.length === 1, 'the in-flight delivery');
      await sleep(300);
      expect(handled).toEqual([first.id]);
      expect(await broker.probe.channel.checkQueue(queueNameOf(service))).toMatchObject({ messageCount: 2, consumerCount: 0 });

      await handle.resume();
      await handle.resume();
      await waitFor(() => handled.length === 3, 'the deliveries held back during the pause');
      expect(handled.slice(1).sort()).toEqual(whilePaused.map((envelope) => envelope.id).sort());
      await sleep(200);
      expect(handled).toHaveLength(3);
      await handle.cancel();
    } finally {
      await transport.close();
    }
  });

  it('does not start consuming after a reconnect while paused, only at resume', async () => {
    const service = newService();
    const type = eventTypeOf(service);
    const connectionName = `pause-${service}`;
    const transport = await connectTransport({ connectionName });
    try {
      const handled: string[] = [];
      const handle = await transport.consume({
        service,
        eventTypes: [type],
        prefetch: 4,
        retry: RETRY,
        handle: async (delivery) => void handled.push((delivery.envelope as { id: string }).id),
      });
      await handle.pause();
      await closeConnectionNamed(`${connectionName}.consumer`);
      const held = makeEnvelope(type);
      expect(await transport.publishBatch([held])).toEqual([{ ok: true }]);
      await waitFor(
        async () => (await rabbitmqctl('list_connections', '-q', '--no-table-headers', 'client_properties')).includes(`"${connectionName}.consumer"`),
        'the consumer connection back',
      );
      // Time for a consumer that would (wrongly) start on the new connection.
      await sleep(1_000);
      expect((await broker.probe.channel.checkQueue(queueNameOf(service))).consumerCount).toBe(0);
      expect(handled).toEqual([]);
      expect(await broker.probe.readyCount(queueNameOf(service))).toBe(1);

      await handle.resume();
      await waitFor(() => handled.length === 1, 'the held message after resume');
      expect(handled).toEqual([held.id]);
      expect((await broker.probe.channel.checkQueue(queueNameOf(service))).consumerCount).toBe(1);
      await handle.cancel();
    } finally {
      await transport.close();
    }
  });
});
