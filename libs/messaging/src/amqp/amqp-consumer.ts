import type { ChannelModel, ConsumeMessage, Message, Options } from 'amqplib';
import type { Logger } from 'pino';
import type { EventEnvelope } from '@shop/contracts';
import {
  deadLetterQueueNameOf,
  isPermanentDeliveryError,
  isTransientDeliveryError,
  queueNameOf,
  type ConsumerHandle,
  type Subscription,
} from '../transport/transport.js';
import { ConfirmSession } from './amqp-confirm-session.js';
import type { ReconnectDelay, ReconnectingConnection } from './amqp-connection.js';
import { HEADER, attemptOf, copyOptionsOf, envelopeOf, errorMessageOf, logFieldsOf, originalRoutingKeyOf } from './amqp-envelope.js';
import { DEFAULT_EXCHANGE, declareServiceTopology, retryQueueNameOf } from './amqp-topology.js';

export interface AmqpConsumerOptions {
  readonly confirmTimeoutMs: number;
  /** Backoff for reopening the consumer's channel when it dies while the connection stays up. */
  readonly restartDelayMs: ReconnectDelay;
  readonly logger: Logger;
}

interface ActiveConsumer {
  readonly model: ChannelModel;
  readonly session: ConfirmSession;
  /** Null while paused: the channel stays open (in-flight deliveries settle on it), nothing consumes. */
  consumerTag: string | null;
}

/**
 * Consumes `<service>.events` on its own confirm channel. A failed message is moved (a copy published
 * with confirm, then the original acked, on the same channel) to a retry queue or to the DLQ; if the
 * move cannot be confirmed the original is requeued, or, when the channel is gone, left to the broker
 * to redeliver. Nothing is acked before its outcome is safe.
 *
 * On a lost connection the in-flight handlers run on, but their acks are dropped: the broker
 * redelivers those messages on the new channel (the inbox makes the second run a no-op).
 *
 * A delivery that fails transiently (its database unreachable) is nacked back to the queue with its
 * attempt header unchanged; `pause` cancels the broker consumer (keeping the channel) until `resume`.
 */
export class AmqpConsumer implements ConsumerHandle {
  private active: ActiveConsumer | null = null;
  /** Starts run one at a time, so a reconnect and a restart timer never open two channels. */
  private startQueue: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<Promise<void>>();
  private restartTimer: NodeJS.Timeout | undefined;
  private restartAttempt = 0;
  private cancelling: Promise<void> | null = null;
  /** Set by `pause`, cleared by `resume`; a channel opened (after a reconnect) meanwhile does not consume. */
  private paused = false;
  private stopFollowingReconnects: () => void = () => {};
  private readonly logger: Logger;

  constructor(
    private readonly subscription: Subscription,
    private readonly connection: ReconnectingConnection,
    private readonly options: AmqpConsumerOptions,
    private readonly onCancelled: (consumer: AmqpConsumer) => void,
  ) {
    this.logger = options.logger.child({ service: subscription.service });
  }

  /** Starts consuming now (rejecting if that fails) or, while disconnected, at the next connect. */
  async begin(): Promise<void> {
    this.stopFollowingReconnects = this.connection.onConnected((model) => this.restartOn(model));
    const model = this.connection.model;
    if (!model) {
      this.logger.warn('amqp consumer waits for the broker connection');
      return;
    }
    try {
      await this.startOn(model);
    } catch (error) {
      await this.cancel();
      throw error;
    }
  }

  /**
   * Stops taking deliveries (basic.cancel; the channel stays, so the in-flight ones still ack or
   * nack on it). Idempotent; serialised with starts, so a reconnect never consumes while paused.
   */
  pause(): Promise<void> {
    this.paused = true;
    return this.serialised(async () => {
      const active = this.active;
      if (!this.paused || !active?.consumerTag || !active.session.open) return;
      const tag = active.consumerTag;
      active.consumerTag = null;
      try {
        await active.session.channel.cancel(tag);
      } catch (error) {
        this.logger.debug({ err: error }, 'amqp consumer pause: cancel failed; the channel is closing anyway');
      }
      this.logger.info({ queue: queueNameOf(this.subscription.service) }, 'amqp consumer paused');
    });
  }

  /** Takes deliveries again on the open channel (or at the next connect). Idempotent. */
  resume(): Promise<void> {
    this.paused = false;
    return this.serialised(async () => {
      const active = this.active;
      if (this.paused || this.cancelling || !active || active.consumerTag || !active.session.open) return;
      active.consumerTag = await this.consumeOn(active.session);
      this.logger.info({ queue: queueNameOf(this.subscription.service) }, 'amqp consumer resumed');
    });
  }

  /** Stops taking deliveries, lets the in-flight ones finish (and ack if the channel lives), closes. */
  cancel(): Promise<void> {
    this.cancelling ??= this.stop();
    return this.cancelling;
  }

  private async stop(): Promise<void> {
    this.stopFollowingReconnects();
    clearTimeout(this.restartTimer);
    await this.startQueue;
    const active = this.active;
    if (active?.session.open && active.consumerTag) {
      try {
        await active.session.channel.cancel(active.consumerTag);
      } catch (error) {
        this.logger.debug({ err: error }, 'amqp consumer cancel failed; the channel is closing anyway');
      }
    }
    // Deliveries that arrived before cancel-ok are in the set by now; none arrive after it.
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
    this.active = null;
    await active?.session.close();
    this.onCancelled(this);
    this.logger.info('amqp consumer cancelled');
  }

  private startOn(model: ChannelModel): Promise<void> {
    return this.serialised(() => this.openSessionOn(model));
  }

  /** Starts, pauses and resumes run one after another, each seeing the state the previous left. */
  private serialised(step: () => Promise<void>): Promise<void> {
    const done = this.startQueue.then(step);
    this.startQueue = done.catch(() => {});
    return done;
  }

  private async consumeOn(session: ConfirmSession): Promise<string> {
    const { consumerTag } = await session.channel.consume(queueNameOf(this.subscription.service), (message) => this.onDelivery(session, message), {
      noAck: false,
    });
    return consumerTag;
  }

  private async openSessionOn(model: ChannelModel): Promise<void> {
    if (this.cancelling) return;
    if (this.active?.session.open && this.active.model === model) return;
    const { service, eventTypes, prefetch, retry } = this.subscription;
    const session = new ConfirmSession(await model.createConfirmChannel(), this.logger);
    session.channel.on('close', () => this.onSessionClosed(session));
    try {
      await declareServiceTopology(session.channel, { service, eventTypes, retryDelaysMs: retry.delaysMs });
      await session.channel.prefetch(prefetch);
      const consumerTag = this.paused ? null : await this.consumeOn(session);
      // The close may have been read in the same socket chunk as consume-ok.
      if (!session.open) throw new Error('channel closed while the consumer was starting');
      this.active = { model, session, consumerTag };
    } catch (error) {
      await session.close();
      throw error;
    }
    this.restartAttempt = 0;
    this.logger.info({ queue: queueNameOf(service), prefetch, paused: this.paused }, 'amqp consumer started');
  }

  private restartOn(model: ChannelModel): void {
    this.startOn(model).catch((error: unknown) => {
      this.logger.error({ err: error }, 'amqp consumer could not start; retrying');
      this.scheduleRestart();
    });
  }

  private onSessionClosed(session: ConfirmSession): void {
    if (this.active?.session !== session) return;
    this.active = null;
    if (this.cancelling) return;
    this.logger.warn('amqp consumer channel closed; restarting');
    this.scheduleRestart();
  }

  /** For a channel that died alone; after a lost connection the reconnect starts the consumer instead. */
  private scheduleRestart(): void {
    if (this.restartTimer || this.cancelling) return;
    const { initial, max } = this.options.restartDelayMs;
    const delayMs = Math.min(max, initial * 2 ** this.restartAttempt++);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      const model = this.connection.model;
      if (model && !this.cancelling) this.restartOn(model);
    }, delayMs);
  }

  private onDelivery(session: ConfirmSession, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled the consumer (its queue was deleted): start over, re-declaring it.
      this.logger.warn('amqp consumer cancelled by the broker');
      void session.close();
      return;
    }
    const handled = this.process(session, message).catch((error: unknown) => {
      this.logger.error({ ...logFieldsOf(message), err: error }, 'unexpected failure while handling a delivery; requeued');
      this.requeue(session, message);
    });
    this.inFlight.add(handled);
    void handled.finally(() => this.inFlight.delete(handled));
  }

  /** Every outcome ends in an ack, a requeue, or a lost channel (the broker redelivers). */
  private async process(session: ConfirmSession, message: ConsumeMessage): Promise<void> {
    const attempt = attemptOf(message);
    let envelope: EventEnvelope;
    try {
      envelope = envelopeOf(message);
    } catch (error) {
      await this.deadLetter(session, message, attempt, error);
      return;
    }
    try {
      await this.subscription.handle({ envelope, attempt });
    } catch (error) {
      if (isTransientDeliveryError(error)) {
        // Not the message's fault: back to the queue as it came, its attempt header unchanged.
        this.logger.debug({ ...logFieldsOf(message), err: error, attempt }, 'delivery failed transiently; requeued uncounted');
        this.requeue(session, message);
        return;
      }
      if (isPermanentDeliveryError(error) || attempt > this.subscription.retry.delaysMs.length) {
        await this.deadLetter(session, message, attempt, error);
      } else {
        await this.retryLater(session, message, attempt, error);
      }
      return;
    }
    this.ack(session, message);
  }

  private async retryLater(session: ConfirmSession, message: Message, attempt: number, error: unknown): Promise<void> {
    const delayMs = this.subscription.retry.delaysMs[attempt - 1]!;
    const copy = copyOptionsOf(message, {
      [HEADER.attempt]: attempt + 1,
      [HEADER.originalRoutingKey]: originalRoutingKeyOf(message),
    });
    const moved = await this.moveThenAck(session, message, retryQueueNameOf(this.subscription.service, delayMs), copy);
    if (moved) this.logger.warn({ ...logFieldsOf(message), err: error, attempt, delayMs }, 'handler failed; message will be retried');
  }

  private async deadLetter(session: ConfirmSession, message: Message, attempt: number, error: unknown): Promise<void> {
    const { service } = this.subscription;
    const copy = copyOptionsOf(message, {
      [HEADER.error]: errorMessageOf(error),
      [HEADER.attempts]: attempt,
      [HEADER.failedAt]: new Date().toISOString(),
      [HEADER.service]: service,
      [HEADER.originalRoutingKey]: originalRoutingKeyOf(message),
    });
    const moved = await this.moveThenAck(session, message, deadLetterQueueNameOf(service), copy);
    if (moved) this.logger.error({ ...logFieldsOf(message), err: error, attempt }, 'message dead-lettered');
  }

  private async moveThenAck(session: ConfirmSession, message: Message, queue: string, copy: Options.Publish): Promise<boolean> {
    try {
      await session.publishConfirmed(DEFAULT_EXCHANGE, queue, message.content, copy, this.options.confirmTimeoutMs);
    } catch (error) {
      this.logger.error({ ...logFieldsOf(message), err: error, queue }, 'could not move the message; it goes back to the queue');
      this.requeue(session, message);
      return false;
    }
    this.ack(session, message);
    return true;
  }

  private ack(session: ConfirmSession, message: Message): void {
    this.settle(session, message, () => session.channel.ack(message));
  }

  private requeue(session: ConfirmSession, message: Message): void {
    this.settle(session, message, () => session.channel.nack(message, false, true));
  }

  /** A delivery tag belongs to its channel: once that channel is gone the broker redelivers instead. */
  private settle(session: ConfirmSession, message: Message, settleOnChannel: () => void): void {
    if (session.open) {
      try {
        settleOnChannel();
        return;
      } catch {
        // The channel closed in between; same as below.
      }
    }
    this.logger.debug(logFieldsOf(message), 'channel gone before the ack; the broker will redeliver');
  }
}
