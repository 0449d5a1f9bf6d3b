import amqp from 'amqplib';
import { subscriptions } from '@shop/contracts';
import { AmqpTransport, queueNameOf } from '@shop/messaging';
import { silentLogger } from '@shop/observability';

/**
 * What the order service would be on the broker for the points service's own events: a quorum queue
 * bound to `points.reserved.v1` and `points.reservation-rejected.v1`, declared by `AmqpTransport` (it
 * starts consuming with a no-op handler and cancels at once). Without it those events would be
 * unroutable and the relay would keep retrying them. Nothing consumes it: `depth()` counts what arrived.
 */
export async function openOrderSideQueue(
  amqpUrl: string,
): Promise<{ depth: () => Promise<number>; deleteOtherSubscribersQueues: () => Promise<void>; close: () => Promise<void> }> {
  const service = 'benchorder';
  const transport = await AmqpTransport.connect({ url: amqpUrl, connectionName: `${service}.sink`, logger: silentLogger() });
  try {
    const subscription = { service, eventTypes: ['points.reserved.v1', 'points.reservation-rejected.v1'], prefetch: 1, retry: { delaysMs: [1_000] } };
    await (await transport.consume({ ...subscription, handle: async () => {} })).cancel();
  } finally {
    await transport.close();
  }
  const connection = await amqp.connect(amqpUrl);
  const channel = await connection.createChannel();
  return {
    depth: async () => (await channel.checkQueue(queueNameOf(service))).messageCount,
    // A service declares the queue of every context of the manifest that subscribes to what it publishes
    // or consumes (the coupon context's takes user.registered.v1 and the order events too, the order context's
    // the points events). Nobody runs them here: deleted after each start, so the broker does not copy every
    // event into a queue nobody reads (this side queue counts the points events instead of the order service's).
    deleteOtherSubscribersQueues: async () => {
      for (const { service: other } of subscriptions) if (other !== 'points') await channel.deleteQueue(queueNameOf(other));
    },
    close: () => connection.close(),
  };
}
