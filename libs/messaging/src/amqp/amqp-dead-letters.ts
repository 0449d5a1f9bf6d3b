import type { Channel, ChannelModel, GetMessage, Message } from 'amqplib';
import type { Logger } from 'pino';
import { deadLetterQueueNameOf, queueNameOf, type DeadLetter, type DeadLetterAdmin } from '../transport/transport.js';
import { ConfirmSession } from './amqp-confirm-session.js';
import { HEADER, copyOptionsOf, envelopeHeadersOf, envelopeOf, logFieldsOf, replayHeaderChanges } from './amqp-envelope.js';
import { DEFAULT_EXCHANGE } from './amqp-topology.js';

const NOT_FOUND = 404;
const DEFAULT_LIST_LIMIT = 100;
const GIVE_BACK_SETTLE_MS = 1_000;

const isNotFound = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === NOT_FOUND;

/**
 * Reads and replays `<service>.events.dlq`. Every operation works on a channel of its own: messages
 * are taken with `basic.get` and left unacknowledged, then the ones not replayed are given back
 * (nack with requeue). Observed ordering on RabbitMQ 3.10 quorum queues: messages given back go
 * ahead of those never taken, in the order they were taken, but behind any that earlier operations
 * gave back and that are still waiting. So a listing that covers the whole DLQ, or repeated listings
 * with the same limit, show the same messages in the same order (oldest first); a shorter listing
 * after a longer one moves what it looked at behind the rest. While an operation holds messages they
 * are not in the queue: a concurrent `depth` or `list` does not see them.
 *
 * A DLQ that does not exist yet (the service never consumed) is empty.
 */
export class AmqpDeadLetterAdmin implements DeadLetterAdmin {
  constructor(
    private readonly model: () => ChannelModel | null,
    private readonly confirmTimeoutMs: number,
    private readonly logger: Logger,
  ) {}

  async list(service: string, limit = DEFAULT_LIST_LIMIT): Promise<DeadLetter[]> {
    const queue = deadLetterQueueNameOf(service);
    const channel = await this.connectedModel().createChannel();
    channel.on('error', () => {}); // a missing queue closes the channel; the failed call reports it
    const taken: GetMessage[] = [];
    try {
      while (taken.length < limit) {
        const message = await channel.get(queue, { noAck: false });
        if (message === false) break;
        taken.push(message);
      }
      return taken.map((message) => deadLetterOf(service, message));
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    } finally {
      await this.giveBack(channel, queue, depthWhenTaken(taken));
    }
  }

  /**
   * Sends the chosen dead letters to `<service>.events` through the default exchange, so no other
   * subscriber of the event sees them again, as attempt 1 with their original id and properties. Each
   * is acked from the DLQ only once the broker has confirmed its copy in the service queue; one whose
   * copy fails stays in the DLQ. Looks at the messages in the DLQ when it starts, not at later ones.
   */
  async replay(service: string, messageIds?: readonly string[]): Promise<number> {
    const model = this.connectedModel();
    const queue = deadLetterQueueNameOf(service);
    if (!(await this.messageCount(model, queue))) return 0;
    if ((await this.messageCount(model, queueNameOf(service))) === null) {
      throw new Error(`queue '${queueNameOf(service)}' does not exist: nowhere to replay to`);
    }
    const wanted = messageIds ? new Set(messageIds) : null;
    const session = new ConfirmSession(await model.createConfirmChannel(), this.logger);
    const taken: GetMessage[] = [];
    let replayedCount = 0;
    try {
      const replays: Promise<boolean>[] = [];
      const replayedAt = new Date().toISOString();
      while (taken.length < depthWhenTaken(taken, Infinity)) {
        const message = await session.channel.get(queue, { noAck: false });
        if (message === false) break;
        taken.push(message);
        if (wanted && !wanted.has(message.properties.messageId)) continue; // given back below
        replays.push(this.replayOne(session, service, message, replayedAt));
      }
      replayedCount = (await Promise.all(replays)).filter(Boolean).length;
      return replayedCount;
    } finally {
      await this.giveBack(session.channel, queue, depthWhenTaken(taken) - replayedCount);
    }
  }

  async depth(service: string): Promise<number> {
    return (await this.messageCount(this.connectedModel(), deadLetterQueueNameOf(service))) ?? 0;
  }

  private async replayOne(session: ConfirmSession, service: string, message: GetMessage, replayedAt: string): Promise<boolean> {
    const copy = copyOptionsOf(message, replayHeaderChanges(replayedAt));
    try {
      await session.publishConfirmed(DEFAULT_EXCHANGE, queueNameOf(service), message.content, copy, this.confirmTimeoutMs);
      session.channel.ack(message);
    } catch (error) {
      this.logger.error({ ...logFieldsOf(message), err: error, service }, 'dead letter not replayed; it stays in the DLQ');
      return false;
    }
    this.logger.info({ ...logFieldsOf(message), service }, 'dead letter replayed');
    return true;
  }

  /**
   * Requeues every message still held on `channel` and closes it. The broker applies the requeue
   * asynchronously; waiting (briefly) until the queue is back to `expectedDepth` means a `depth` or
   * `replay` right after this sees those messages. Consumers of the DLQ elsewhere can keep it lower,
   * hence the bound on the wait.
   */
  private async giveBack(channel: Channel, queue: string, expectedDepth: number): Promise<void> {
    try {
      channel.nackAll(true);
    } catch {
      // The channel is gone, and the broker has requeued them with it.
    }
    await closeQuietly(channel);
    const model = this.model();
    if (expectedDepth <= 0 || !model) return;
    const deadline = Date.now() + GIVE_BACK_SETTLE_MS;
    while (Date.now() < deadline && ((await this.messageCount(model, queue).catch(() => null)) ?? 0) < expectedDepth) {
      await sleep(10);
    }
  }

  /** Ready messages in `queue`, or null when it does not exist. */
  private async messageCount(model: ChannelModel, queue: string): Promise<number | null> {
    // checkQueue on a missing queue closes the channel, hence one channel per check.
    const channel = await model.createChannel();
    channel.on('error', () => {});
    try {
      return (await channel.checkQueue(queue)).messageCount;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    } finally {
      await closeQuietly(channel);
    }
  }

  private connectedModel(): ChannelModel {
    const model = this.model();
    if (!model) throw new Error('not connected to the broker');
    return model;
  }
}

/** The DLQ's depth when the first of `taken` was taken (`basic.get-ok` tells what was left behind it). */
const depthWhenTaken = (taken: readonly GetMessage[], unknown = 0): number => (taken[0] ? taken[0].fields.messageCount + 1 : unknown);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function deadLetterOf(service: string, message: Message): DeadLetter {
  const headers = message.properties.headers ?? {};
  let envelope: unknown;
  try {
    envelope = envelopeOf(message);
  } catch {
    envelope = { ...envelopeHeadersOf(message), payload: message.content.toString('utf8') };
  }
  const brokerDeath = headers['x-death']?.[0];
  return {
    service,
    messageId: String(message.properties.messageId ?? ''),
    type: String(message.properties.type ?? ''),
    envelope,
    // Without our headers the broker dead-lettered it itself (delivery limit reached).
    error: headers[HEADER.error] ?? (brokerDeath ? `dead-lettered by the broker: ${brokerDeath.reason}` : 'unknown'),
    attempts: headers[HEADER.attempts] ?? headers['x-delivery-count'] ?? 0,
    failedAt: headers[HEADER.failedAt] ?? (brokerDeath ? new Date(brokerDeath.time.value * 1000).toISOString() : ''),
  };
}

async function closeQuietly(channel: Channel): Promise<void> {
  try {
    await channel.close();
  } catch {
    // Already closed by the broker (a failed call) or with the connection.
  }
}
