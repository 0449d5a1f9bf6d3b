import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { EVENTS_EXCHANGE } from '@shop/messaging';
import type { BenchEnv } from './bench-env.js';
import type { BenchOrderPlaced } from './order-placed.js';

/**
 * The baseline: plain amqplib on a confirm channel, the same message as the transport sends
 * (persistent, JSON body, same properties and headers), all written at once with backpressure
 * (waiting for 'drain'), then every confirm awaited. Returns the elapsed milliseconds.
 */
export async function publishRaw(env: BenchEnv, payloads: readonly BenchOrderPlaced[]): Promise<number> {
  const channel = await env.broker.createConfirmChannel();
  const type = env.contract.type;
  try {
    const started = performance.now();
    const timestamp = Math.floor(Date.now() / 1000);
    for (const payload of payloads) {
      const id = randomUUID();
      const headers = { source: env.service, aggregateId: payload.orderId, correlationId: id, occurredAt: new Date().toISOString() };
      const options = { persistent: true, contentType: 'application/json', messageId: id, type, correlationId: id, timestamp, headers };
      if (!channel.publish(EVENTS_EXCHANGE, type, Buffer.from(JSON.stringify(payload)), options)) await once(channel, 'drain');
    }
    await channel.waitForConfirms();
    return performance.now() - started;
  } finally {
    await channel.close();
  }
}

/**
 * The latency baseline: the same trickle published straight to the broker (one message, one
 * confirm) and consumed by the same consumer, so that the relay's own share of its latency shows.
 * Returns publish-to-consume latencies in ms.
 */
export async function measureRawLatency(env: BenchEnv, payloads: readonly BenchOrderPlaced[], gapMs: readonly [number, number]): Promise<number[]> {
  const channel = await env.broker.createConfirmChannel();
  const sentAt = new Map<string, number>();
  const receivedAt = new Map<string, number>();
  const consumer = await env.transport.consume({
    ...env.subscription,
    handle: async ({ envelope }) => {
      receivedAt.set((envelope as { payload: BenchOrderPlaced }).payload.orderId, performance.now());
    },
  });
  try {
    for (const payload of payloads) {
      const id = randomUUID();
      const headers = { source: env.service, aggregateId: payload.orderId, correlationId: id, causationId: null, occurredAt: new Date().toISOString() };
      sentAt.set(payload.orderId, performance.now());
      channel.publish(EVENTS_EXCHANGE, env.contract.type, Buffer.from(JSON.stringify(payload)), {
        persistent: true,
        contentType: 'application/json',
        messageId: id,
        type: env.contract.type,
        correlationId: id,
        timestamp: Math.floor(Date.now() / 1000),
        headers,
      });
      await channel.waitForConfirms();
      await new Promise((resolve) => setTimeout(resolve, gapMs[0] + Math.random() * (gapMs[1] - gapMs[0])));
    }
    const deadline = Date.now() + 30_000;
    while (receivedAt.size < payloads.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    if (receivedAt.size < payloads.length) throw new Error(`raw latency: ${receivedAt.size} of ${payloads.length} consumed`);
  } finally {
    await consumer.cancel();
    await channel.close();
  }
  return [...sentAt].map(([orderId, sent]) => receivedAt.get(orderId)! - sent);
}
