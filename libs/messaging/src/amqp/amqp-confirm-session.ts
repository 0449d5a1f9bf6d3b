import { inspect } from 'node:util';
import { randomUUID } from 'node:crypto';
import type { Channel, ConfirmChannel, Message, Options } from 'amqplib';
import type { Logger } from 'pino';

/**
 * A confirm channel with what publishing on it needs: whether it is still open, waiting for `drain`
 * without leaking listeners, and telling a confirmed-but-unroutable `mandatory` message from a
 * delivered one (the broker sends `basic.return` before the `basic.ack` of that message).
 */
export class ConfirmSession {
  private isOpen = true;
  private readonly drainWaiters = new Set<() => void>();
  private readonly returnedMessageIds = new Set<string>();

  constructor(
    readonly channel: ConfirmChannel,
    logger: Logger,
  ) {
    channel.on('error', (error: Error) => logger.warn({ err: error }, 'amqp channel error'));
    channel.on('drain', () => this.wakeDrainWaiters());
    channel.on('close', () => {
      this.isOpen = false;
      this.returnedMessageIds.clear();
      this.wakeDrainWaiters();
    });
    channel.on('return', (message: Message) => {
      const messageId: unknown = message.properties.messageId;
      if (typeof messageId === 'string') this.returnedMessageIds.add(messageId);
    });
  }

  get open(): boolean {
    return this.isOpen;
  }

  /**
   * Whether the broker returned the `mandatory` message `messageId` (no queue took it), forgetting it.
   * Asked in the message's confirm callback: the return always arrives before that confirm.
   */
  takeReturned(messageId: string): boolean {
    return this.returnedMessageIds.size > 0 && this.returnedMessageIds.delete(messageId);
  }

  /** Resolves on the channel's next `drain`, when it closes, or on `wakeDrainWaiters()`. */
  waitForDrain(): Promise<void> {
    if (!this.isOpen) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.add(resolve));
  }

  /** Spurious wake-ups are harmless: a waiter that is still blocked just waits again. */
  wakeDrainWaiters(): void {
    const waiters = [...this.drainWaiters];
    this.drainWaiters.clear();
    for (const wake of waiters) wake();
  }

  /**
   * Publishes one `mandatory` message and resolves once the broker has confirmed that it reached a
   * queue. Rejects on a nack, when it was unroutable, when the channel closes first, or after
   * `timeoutMs` without a confirm.
   */
  publishConfirmed(exchange: string, routingKey: string, content: Buffer, options: Options.Publish, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      // A return is matched to its message by id: one without (a malformed message being moved)
      // gets one, or its return would go unnoticed and the move count as done.
      const messageId = options.messageId ?? `unidentified-${randomUUID()}`;
      const timer = setTimeout(() => reject(new Error(`no publisher confirm within ${timeoutMs} ms`)), timeoutMs);
      try {
        this.channel.publish(exchange, routingKey, content, { ...options, messageId, mandatory: true }, (error: unknown) => {
          clearTimeout(timer);
          const returned = this.takeReturned(messageId);
          if (error) reject(error instanceof Error ? error : new Error(inspect(error)));
          else if (returned) {
            reject(new Error(`unroutable: no queue '${routingKey}' on exchange '${exchange || '(default)'}'`));
          } else resolve();
        });
      } catch (error) {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Closes the channel; unacknowledged deliveries on it go back to their queues. */
  async close(): Promise<void> {
    if (!this.isOpen) return;
    await closeChannel(this.channel);
  }
}

/**
 * Closes `channel`, quietly (already closing or the connection gone: either way it is finished).
 * amqplib leaves `close()` pending for ever when the connection drops before the close-ok arrives;
 * the channel's 'close' event, which does come, ends the wait then.
 */
export async function closeChannel(channel: Channel): Promise<void> {
  const closed = new Promise<void>((resolve) => channel.once('close', () => resolve()));
  const closing = Promise.resolve()
    .then(() => channel.close())
    .catch(() => undefined);
  await Promise.race([closing, closed]);
}
