import { deleteQueuesOf } from '@shop/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '@shop/contracts';
import { BrokerProbe, connectTransport, eventTypeOf, makeEnvelope, sleep, startBroker, stopBroker, uniqueService, waitFor } from './helpers.js';

const CONFIRM_TIMEOUT_MS = 2_000;
const RETRY = { delaysMs: [100] };

interface BatchRecord {
  readonly startedAt: number;
  readonly durationMs: number;
  readonly ok: number;
  readonly failed: number;
}

describe('AmqpTransport: broker restart', () => {
  const service = uniqueService();

  afterAll(async () => {
    await startBroker(); // whatever happened, leave the broker running for the other tests
    const probe = await BrokerProbe.open();
    await deleteQueuesOf(service);
    await probe.close();
  });

  it('fails fast while the broker is down, loses nothing it confirmed, and resumes consuming by itself', async () => {
    const type = eventTypeOf(service);
    const options = { confirmTimeoutMs: CONFIRM_TIMEOUT_MS, reconnectDelayMs: { initial: 100, max: 500 } };
    const publisher = await connectTransport({ ...options, connectionName: `restart-publisher-${service}` });
    const consumer = await connectTransport({ ...options, connectionName: `restart-consumer-${service}` });
    const received = new Set<string>();
    await consumer.consume({
      service,
      eventTypes: [type],
      prefetch: 50,
      retry: RETRY,
      handle: async ({ envelope }) => {
        received.add((envelope as EventEnvelope).id);
      },
    });

    const confirmed: string[] = [];
    const batches: BatchRecord[] = [];
    let publishing = true;
    const publishLoop = (async () => {
      while (publishing) {
        const batch = Array.from({ length: 20 }, () => makeEnvelope(type));
        const startedAt = Date.now();
        const outcomes = await publisher.publishBatch(batch);
        outcomes.forEach((outcome, index) => outcome.ok && confirmed.push(batch[index]!.id));
        const ok = outcomes.filter((outcome) => outcome.ok).length;
        batches.push({ startedAt, durationMs: Date.now() - startedAt, ok, failed: outcomes.length - ok });
        await sleep(20);
      }
    })();

    try {
      await waitFor(() => received.size >= 200, 'traffic before the restart');
      await stopBroker();
      const downSince = Date.now();
      expect(publisher.isReady()).toBe(false);
      await sleep(1_500);
      const whileDown = batches.filter((batch) => batch.startedAt >= downSince);
      expect(whileDown.length).toBeGreaterThan(5);
      // Disconnected: every message fails, at once (no waiting for the confirm timeout, no buffering).
      expect(whileDown.every((batch) => batch.ok === 0)).toBe(true);
      expect(Math.max(...whileDown.map((batch) => batch.durationMs))).toBeLessThan(100);
    } finally {
      await startBroker();
    }

    await waitFor(() => publisher.isReady(), 'the publisher to reconnect', 30_000);
    const confirmedBeforeResume = confirmed.length;
    await waitFor(() => confirmed.length >= confirmedBeforeResume + 200, 'publishing to succeed again', 30_000);
    publishing = false;
    await publishLoop;

    // No batch ever waited much longer than the confirm timeout, even while the broker went down.
    expect(Math.max(...batches.map((batch) => batch.durationMs))).toBeLessThan(CONFIRM_TIMEOUT_MS + 500);
    expect(batches.some((batch) => batch.failed > 0)).toBe(true);
    // The consumer came back by itself, and everything reported as published arrived.
    await waitFor(() => confirmed.every((id) => received.has(id)), 'every confirmed message to be consumed', 30_000);

    await publisher.close();
    await consumer.close();
  });
});
