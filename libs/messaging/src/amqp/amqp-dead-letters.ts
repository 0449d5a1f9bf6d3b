import type { Channel, ChannelModel, GetMessage, Message } from 'amqplib';
import { sleep } from '@shop/shared-kernel';
import type { Logger } from 'pino';
import { deadLetterQueueNameOf, queueNameOf, type DeadLetter, type DeadLetterAdmin } from '../transport/transport.js';
import { ConfirmSession, closeChannel } from './amqp-confirm-session.js';
import { HEADER, copyOptionsOf, envelopeHeadersOf, envelopeOf, logFieldsOf, replayHeaderChanges } from './amqp-envelope.js';
import { DEFAULT_EXCHANGE } from './amqp-topology.js';

const NOT_FOUND = 404;
const DEFAULT_LIST_LIMIT = 100;
const GIVE_BACK_SETTLE_MS = 1_000;
/** Copies awaiting their confirm at once while a DLQ is walked through. */
const MOVES_IN_FLIGHT = 256;

const isNotFound = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === NOT_FOUND;

/** What becomes of one dead letter taken during a walk through the DLQ. */
type Fate = 'keep' | 'replay';

/**
 * Reads and replays `<service>.events.dlq` without ever counting a delivery. A quorum queue counts
 * every message given back (nack with requeue) as a delivery (`x-delivery-count`), and RabbitMQ 4
 * drops a quorum queue's messages past its delivery limit (20 by default). So an operation walks the
 * whole DLQ once instead: each message is taken with `basic.get`, a copy (same id, properties and
 * our headers) is published with confirm, to the DLQ's tail to keep it or to `<service>.events` to
 * replay it, and the original is acked only once its copy is confirmed. The copy is a new message,
 * so no delivery is ever counted, and since every message goes round once, in order, the DLQ keeps
 * its order (oldest first) however often it is listed, and whatever the limit. The broker's own
 * headers do not survive a copy; what a listing shows of them (a broker dead-lettering's reason and
 * time, the delivery count, the routing key) is written into ours first when ours are absent.
 *
 * Costs: a listing publishes one copy per dead letter, whatever its limit. Safety: a message whose
 * copy is not confirmed is given back (nack with requeue: that one's count rises, and it may move
 * ahead of others); a lost channel between a confirmed copy and its ack leaves both in the DLQ (the
 * inbox makes a replayed duplicate harmless). While an operation runs, the messages it holds are not
 * in the queue (a concurrent `depth` does not see them); run one admin operation at a time.
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
    const shown: DeadLetter[] = [];
    await this.walk(service, (message) => {
      if (shown.length < limit) shown.push(deadLetterOf(service, message));
      return 'keep';
    });
    return shown;
  }

  /**
   * Sends the chosen dead letters to `<service>.events` through the default exchange, so no other
   * subscriber of the event sees them again, as attempt 1 with their original id and properties. Each
   * is acked from the DLQ only once the broker has confirmed its copy in the service queue; one whose
   * copy fails stays in the DLQ. Looks at the messages in the DLQ when it starts, not at later ones.
   */
  async replay(service: string, messageIds?: readonly string[]): Promise<number> {
    const model = this.connectedModel();
    if (!(await this.messageCount(model, deadLetterQueueNameOf(service)))) return 0;
    if ((await this.messageCount(model, queueNameOf(service))) === null) {
      throw new Error(`queue '${queueNameOf(service)}' does not exist: nowhere to replay to`);
    }
    const wanted = messageIds ? new Set(messageIds) : null;
    return this.walk(service, (message) => {
      const id: unknown = message.properties.messageId;
      return !wanted || (typeof id === 'string' && wanted.has(id)) ? 'replay' : 'keep';
    });
  }

  async depth(service: string): Promise<number> {
    return (await this.messageCount(this.connectedModel(), deadLetterQueueNameOf(service))) ?? 0;
  }

  /**
   * Takes every message that is in the DLQ when it starts, once, in order, and moves each where
   * `fateOf` says. Answers how many were replayed.
   */
  private async walk(service: string, fateOf: (message: GetMessage) => Fate): Promise<number> {
    const queue = deadLetterQueueNameOf(service);
    const session = new ConfirmSession(await this.connectedModel().createConfirmChannel(), this.logger);
    const replayedAt = new Date().toISOString();
    let total: number | null = null;
    let taken = 0;
    let replayed = 0;
    let givenBack = 0;
    const moves = new Set<Promise<void>>();
    try {
      while (total === null || taken < total) {
        const message = await session.channel.get(queue, { noAck: false });
        if (message === false) break;
        // `basic.get-ok` tells how many were left behind the first one: the copies go behind those.
        total ??= message.fields.messageCount + 1;
        taken++;
        const fate = fateOf(message);
        const move = this.move(session, service, message, fate, replayedAt).then((moved) => {
          if (!moved) givenBack++;
          else if (fate === 'replay') replayed++;
        });
        moves.add(move);
        void move.finally(() => moves.delete(move));
        if (moves.size >= MOVES_IN_FLIGHT) await Promise.race(moves);
      }
      await Promise.all(moves);
      return replayed;
    } catch (error) {
      if (isNotFound(error)) return 0;
      throw error;
    } finally {
      await Promise.allSettled(moves);
      await this.giveBack(session.channel, queue, givenBack > 0 ? (total ?? 0) - replayed : 0);
    }
  }

  /** Publishes the copy with confirm, then acks the original; false (original still held) if the copy failed. */
  private async move(session: ConfirmSession, service: string, message: GetMessage, fate: Fate, replayedAt: string): Promise<boolean> {
    const replay = fate === 'replay';
    const target = replay ? queueNameOf(service) : deadLetterQueueNameOf(service);
    const copy = copyOptionsOf(message, replay ? replayHeaderChanges(replayedAt) : brokerFactsAsHeaders(message));
    try {
      await session.publishConfirmed(DEFAULT_EXCHANGE, target, message.content, copy, this.confirmTimeoutMs);
      session.channel.ack(message);
    } catch (error) {
      const what = replay ? 'dead letter not replayed; it stays in the DLQ' : 'dead letter could not be copied; given back to the DLQ';
      this.logger.error({ ...logFieldsOf(message), err: error, service }, what);
      return false;
    }
    if (replay) this.logger.info({ ...logFieldsOf(message), service }, 'dead letter replayed');
    return true;
  }

  /**
   * Requeues whatever is still held on `channel` (copies that failed) and closes it. The broker
   * applies the requeue asynchronously; waiting (briefly) until the queue is back to `expectedDepth`
   * means a `depth` or `replay` right after this sees those messages.
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

function deadLetterOf(service: string, message: Message): DeadLetter {
  let envelope: unknown;
  try {
    envelope = envelopeOf(message);
  } catch {
    envelope = { ...envelopeHeadersOf(message), payload: message.content.toString('utf8') };
  }
  const facts = failureFactsOf(message);
  return {
    service,
    messageId: String(message.properties.messageId ?? ''),
    type: String(message.properties.type ?? ''),
    envelope,
    error: facts.error,
    attempts: facts.attempts,
    failedAt: facts.failedAt,
  };
}

interface BrokerDeath {
  readonly reason?: unknown;
  readonly time?: { readonly value?: unknown };
  readonly 'routing-keys'?: unknown;
}

const textOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const numberOf = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** Why and when it failed: our headers, or what the broker recorded when it dead-lettered it itself. */
function failureFactsOf(message: Message): { error: string; attempts: number; failedAt: string; originalRoutingKey: string | undefined } {
  // amqplib types header values `any`: read each as what it should be, or not at all.
  const headers: Readonly<Record<string, unknown>> = message.properties.headers ?? {};
  const brokerDeath = (headers['x-death'] as BrokerDeath[] | undefined)?.[0];
  const deathTime = typeof brokerDeath?.time?.value === 'number' ? new Date(brokerDeath.time.value * 1000).toISOString() : undefined;
  const routingKeys = brokerDeath?.['routing-keys'];
  return {
    // Without our headers the broker dead-lettered it itself (delivery limit reached).
    error: textOf(headers[HEADER.error]) ?? (brokerDeath ? `dead-lettered by the broker: ${String(brokerDeath.reason)}` : 'unknown'),
    attempts: numberOf(headers[HEADER.attempts]) ?? numberOf(headers['x-delivery-count']) ?? 0,
    failedAt: textOf(headers[HEADER.failedAt]) ?? deathTime ?? '',
    originalRoutingKey:
      textOf(headers[HEADER.originalRoutingKey]) ?? (Array.isArray(routingKeys) && typeof routingKeys[0] === 'string' ? routingKeys[0] : undefined),
  };
}

/**
 * The headers a kept copy gets so that it shows what its original showed: the broker's facts
 * (`x-death`, `x-delivery-count`) do not survive a copy, so they move into ours where ours are absent.
 */
function brokerFactsAsHeaders(message: Message): Record<string, unknown> {
  const headers = message.properties.headers ?? {};
  const facts = failureFactsOf(message);
  const changes: Record<string, unknown> = {};
  if (headers[HEADER.error] === undefined) changes[HEADER.error] = facts.error;
  if (headers[HEADER.attempts] === undefined) changes[HEADER.attempts] = facts.attempts;
  if (headers[HEADER.failedAt] === undefined) changes[HEADER.failedAt] = facts.failedAt;
  if (headers[HEADER.originalRoutingKey] === undefined && facts.originalRoutingKey !== undefined) changes[HEADER.originalRoutingKey] = facts.originalRoutingKey;
  return changes;
}

/** Already closed by the broker (a failed call) or with the connection: either way it is finished. */
const closeQuietly = (channel: Channel): Promise<void> => closeChannel(channel);
