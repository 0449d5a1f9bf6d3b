import { IllegalOperationError, type ChannelModel } from 'amqplib';
import { inspect } from 'node:util';
import type { Logger } from 'pino';
import { consumersOf, type EventEnvelope, type SubscriptionManifest } from '@shop/contracts';
import { EVENTS_EXCHANGE, TransportUnavailableError, UnroutableError, type OnPublishSettled, type PublishOutcome } from '../transport/transport.js';
import { ConfirmSession } from './amqp-confirm-session.js';
import { bodyOf, publishOptionsOf } from './amqp-envelope.js';
import { declareEventsExchange, declareManifestTopology } from './amqp-topology.js';
import { withDeadline } from '@shop/shared-kernel';

const OK: PublishOutcome = Object.freeze({ ok: true });
const failure = (error: Error): PublishOutcome => ({ ok: false, error });

/** A declaration that neither completes nor fails within this long counts as failed. */
const DECLARE_TIMEOUT_MS = 15_000;

/**
 * What the publisher knows about the topology: with a manifest, a returned message of a type that
 * nobody consumes is no loss (there is no queue to reach, and none is missing); without one, every
 * returned message is a failure.
 */
interface KnownTopology {
  readonly manifest: SubscriptionManifest;
  readonly consumedTypes: ReadonlySet<string>;
}

/**
 * Publishes event batches on one confirm channel. Nothing is buffered while the broker is away:
 * without a channel every envelope fails at once, and the caller (the outbox relay) keeps its rows
 * pending and tries again later.
 *
 * Every event is published `mandatory`: one the broker returns (no queue bound to its type) is a
 * failed outcome with `UnroutableError`, so the relay keeps its row and retries, unless the manifest
 * says nobody consumes that type, in which case it counts as published (logged at debug).
 */
export class EventPublisher {
  private session: ConfirmSession | null = null;
  private reopening: Promise<ConfirmSession | null> | null = null;
  private topology: KnownTopology | null = null;

  constructor(
    private readonly connectedModel: () => ChannelModel | null,
    private readonly confirmTimeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /** Part of the connection's setup: the channel exists before the connection counts as up. */
  async attach(model: ChannelModel): Promise<void> {
    this.session = await this.openSession(model);
  }

  async publishBatch(envelopes: readonly EventEnvelope[], onSettled?: OnPublishSettled): Promise<PublishOutcome[]> {
    if (envelopes.length === 0) return [];
    const session = this.session?.open ? this.session : await this.reopen();
    if (!session) {
      const error = new TransportUnavailableError('not connected to the broker');
      return envelopes.map(() => failure(error));
    }
    return new BatchPublication(session, envelopes, this.confirmTimeoutMs, this.logger, this.topology, onSettled).run();
  }

  /**
   * Declares the manifest's whole topology on a channel of its own (a refused declaration closes its
   * channel; the publishing one stays up), then keeps the manifest: every new publishing channel
   * (a reconnect, perhaps to a broker that lost its definitions) declares it again before use.
   */
  async declareTopology(manifest: SubscriptionManifest): Promise<void> {
    const model = this.connectedModel();
    if (!model) throw new Error('cannot declare the topology: not connected to the broker');
    // Opening and closing the channel are inside the deadline too: a broker that stopped answering
    // answers neither, and only a lost heartbeat (minutes, with a long one) would end the wait.
    const declaring = (async () => {
      const channel = await model.createChannel();
      channel.on('error', () => {}); // a refused declaration closes the channel; the failed call reports it
      try {
        await declareManifestTopology(channel, manifest);
      } finally {
        await channel.close().catch(() => {});
      }
    })();
    declaring.catch(() => {}); // past the deadline nobody awaits it any more
    await withDeadline(declaring, DECLARE_TIMEOUT_MS, () => {
      throw new Error(`declaring the topology: no answer from the broker within ${DECLARE_TIMEOUT_MS} ms`);
    });
    this.topology = { manifest, consumedTypes: new Set(manifest.flatMap((entry) => entry.eventTypes)) };
    this.logger.info({ services: manifest.map((entry) => entry.service) }, 'amqp topology declared');
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = null;
    await session?.close();
  }

  /** The channel can die alone (a channel-level error) while the connection stays up. */
  private reopen(): Promise<ConfirmSession | null> {
    const model = this.connectedModel();
    if (!model) return Promise.resolve(null);
    this.reopening ??= this.openSession(model)
      .then(
        (session) => (this.session = session),
        (error: unknown) => {
          this.logger.warn({ err: error }, 'amqp publisher channel could not be reopened');
          return null;
        },
      )
      .finally(() => (this.reopening = null));
    return this.reopening;
  }

  private async openSession(model: ChannelModel): Promise<ConfirmSession> {
    const channel = await model.createConfirmChannel();
    const session = new ConfirmSession(channel, this.logger);
    try {
      await declareEventsExchange(channel);
      if (this.topology) await declareManifestTopology(channel, this.topology.manifest);
    } catch (error) {
      await session.close();
      throw error;
    }
    return session;
  }
}

/**
 * One `publishBatch` call: every message is written at once (waiting only for `drain` when the
 * channel's buffer is full), then the confirms are collected as they come. A single timer bounds the
 * wait; it restarts whenever sending makes progress, so each message gets at least the full timeout
 * after it was written, and a blocked broker cannot hold the batch longer than that.
 */
class BatchPublication {
  private readonly outcomes: (PublishOutcome | undefined)[];
  private unsettled: number;
  private failed = 0;
  private finished = false;
  private timer: NodeJS.Timeout | undefined;
  private resolve: ((outcomes: PublishOutcome[]) => void) | undefined;

  constructor(
    private readonly session: ConfirmSession,
    private readonly envelopes: readonly EventEnvelope[],
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    private readonly topology: KnownTopology | null,
    private readonly onSettled: OnPublishSettled | undefined,
  ) {
    this.outcomes = new Array<PublishOutcome | undefined>(envelopes.length);
    this.unsettled = envelopes.length;
  }

  run(): Promise<PublishOutcome[]> {
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.timer = setTimeout(() => this.expire(), this.timeoutMs);
      void this.sendAll();
    });
  }

  private async sendAll(): Promise<void> {
    const { channel } = this.session;
    const timestampSeconds = Math.floor(Date.now() / 1000);
    for (let index = 0; index < this.envelopes.length && !this.finished; index++) {
      const envelope = this.envelopes[index]!;
      let writable: boolean;
      const options = publishOptionsOf(envelope, timestampSeconds);
      options.mandatory = true;
      try {
        writable = channel.publish(EVENTS_EXCHANGE, envelope.type, bodyOf(envelope), options, (error: unknown) => {
          const returned = this.session.takeReturned(envelope.id);
          this.settle(index, error ? failure(confirmErrorOf(error)) : returned ? this.outcomeOfReturned(envelope) : OK);
        });
      } catch (error) {
        if (error instanceof IllegalOperationError) {
          // The channel has closed: amqplib has already failed the unconfirmed ones.
          this.failFrom(index, new TransportUnavailableError('channel closed before the message was sent', { cause: error }));
          return;
        }
        this.settle(index, failure(asError(error, 'publish failed'))); // e.g. headers over 64 KiB
        continue;
      }
      if (!writable) {
        await this.session.waitForDrain();
        this.timer?.refresh();
      }
    }
    this.timer?.refresh();
  }

  /** Confirmed but returned: no queue is bound to its type. */
  private outcomeOfReturned(envelope: EventEnvelope): PublishOutcome {
    if (this.topology && !this.topology.consumedTypes.has(envelope.type)) {
      this.logger.debug({ messageId: envelope.id, type: envelope.type }, 'event returned by the broker; no service consumes its type');
      return OK;
    }
    const consumers = this.topology ? consumersOf(this.topology.manifest, envelope.type) : undefined;
    this.logger.debug({ messageId: envelope.id, type: envelope.type, consumers }, 'event returned by the broker: no queue bound to its type');
    return failure(new UnroutableError(envelope.type));
  }

  private settle(index: number, outcome: PublishOutcome): void {
    if (this.finished || this.outcomes[index] !== undefined) return;
    this.outcomes[index] = outcome;
    if (!outcome.ok) this.failed++;
    this.onSettled?.(index, outcome);
    if (--this.unsettled === 0) this.finish();
  }

  private failFrom(start: number, error: Error): void {
    for (let index = start; index < this.envelopes.length; index++) this.settle(index, failure(error));
  }

  private expire(): void {
    const error = new TransportUnavailableError(`no publisher confirm within ${this.timeoutMs} ms`);
    this.failFrom(0, error);
    // A sender still waiting for 'drain' wakes up, sees the batch finished and stops.
    this.session.wakeDrainWaiters();
  }

  private finish(): void {
    this.finished = true;
    clearTimeout(this.timer);
    const outcomes = this.outcomes as PublishOutcome[];
    if (this.failed > 0) this.logFailures(outcomes);
    this.resolve?.(outcomes);
  }

  private logFailures(outcomes: readonly PublishOutcome[]): void {
    const firstFailure = outcomes.find((outcome) => !outcome.ok);
    const unroutableTypes = [
      ...new Set(outcomes.flatMap((outcome) => (!outcome.ok && outcome.error instanceof UnroutableError ? [outcome.error.eventType] : []))),
    ];
    this.logger.warn(
      {
        failed: this.failed,
        total: outcomes.length,
        err: firstFailure?.ok === false ? firstFailure.error : undefined,
        ...(unroutableTypes.length > 0 ? { unroutableTypes } : {}),
      },
      'events not published',
    );
    if (!this.logger.isLevelEnabled('debug')) return;
    outcomes.forEach((outcome, index) => {
      if (outcome.ok) return;
      const { id, type, correlationId, causationId } = this.envelopes[index]!;
      this.logger.debug({ err: outcome.error, messageId: id, type, correlationId, causationId }, 'event not published');
    });
  }
}

const asError = (error: unknown, fallback: string): Error => (error instanceof Error ? error : new Error(error ? inspect(error) : fallback));

/** amqplib fails every unconfirmed message with 'channel closed' when the channel goes: not the message's fault. */
const confirmErrorOf = (error: unknown): Error =>
  error instanceof Error && error.message === 'channel closed'
    ? new TransportUnavailableError('channel closed before the confirm', { cause: error })
    : asError(error, 'message nacked');
