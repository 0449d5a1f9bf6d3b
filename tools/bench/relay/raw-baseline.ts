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
