import { pino, type Logger } from 'pino';
import type { EventEnvelope, SubscriptionManifest } from '@shop/contracts';
import {
  TransportUnavailableError,
  type ConsumerHandle,
  type DeadLetter,
  type OnPublishSettled,
  type PublishOutcome,
  type Subscription,
  type Transport,
} from '../transport/transport.js';
import { ReconnectingConnection, type ReconnectDelay, type ReconnectingConnectionOptions } from './amqp-connection.js';
import { AmqpConsumer } from './amqp-consumer.js';
import { AmqpDeadLetterAdmin } from './amqp-dead-letters.js';
import { EventPublisher } from './amqp-publisher.js';

export interface AmqpTransportOptions {
  /** `amqp://user:password@host:5672/vhost`; a `?heartbeat=` in it overrides `heartbeatSeconds`. */
  readonly url: string;
  /** Names the broker connections (`<name>.publisher`, `<name>.consumer`), e.g. `order-service`. */
  readonly connectionName: string;
  /** A message without a publisher confirm after this long counts as failed. Default 5000. */
  readonly confirmTimeoutMs?: number;
  /** Backoff between reconnect attempts (exponential, with jitter). Default 200 ms up to 10 s. */
  readonly reconnectDelayMs?: ReconnectDelay;
  /** Default 15. */
  readonly heartbeatSeconds?: number;
  /** Failed attempts at start-up before `connect` rejects; once connected, it retries forever. Default 10. */
  readonly initialConnectRetries?: number;
  readonly logger?: Logger;
}

type Settings = Required<AmqpTransportOptions>;

/**
 * The RabbitMQ transport. Two connections, so that the broker throttling a busy publisher
 * (flow control, memory alarm) does not also stall the acks of this process's consumers:
 * - publisher: one confirm channel for `publishBatch`, plus short-lived channels for the DLQ admin;
 * - consumer (opened by the first `consume`): one confirm channel per subscription, which also
 *   carries that subscription's retry and dead-letter copies.
 * Both reconnect by themselves; publishing fails fast while the broker is away.
 */
export class AmqpTransport implements Transport {
  readonly kind = 'amqp' as const;
  private consumerConnection: Promise<ReconnectingConnection> | null = null;
  private readonly consumers = new Set<AmqpConsumer>();
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly settings: Settings,
    private readonly publisherConnection: ReconnectingConnection,
    private readonly publisher: EventPublisher,
    private readonly deadLetters: AmqpDeadLetterAdmin,
  ) {}

  /** Resolves once connected, with the exchange declared; rejects after `initialConnectRetries` failures. */
  static async connect(options: AmqpTransportOptions): Promise<AmqpTransport> {
    const settings: Settings = {
      url: options.url,
      connectionName: options.connectionName,
      confirmTimeoutMs: options.confirmTimeoutMs ?? 5_000,
      reconnectDelayMs: options.reconnectDelayMs ?? { initial: 200, max: 10_000 },
      heartbeatSeconds: options.heartbeatSeconds ?? 15,
      initialConnectRetries: options.initialConnectRetries ?? 10,
      logger: (options.logger ?? pino({ level: 'silent' })).child({ transport: 'amqp' }),
    };
    let connection: ReconnectingConnection | null = null;
    const publisher = new EventPublisher(() => connection?.model ?? null, settings.confirmTimeoutMs, settings.logger);
    connection = await ReconnectingConnection.open({
      ...connectionOptions(settings, 'publisher'),
      setup: (model) => publisher.attach(model),
    });
    const publisherConnection = connection;
    const deadLetters = new AmqpDeadLetterAdmin(() => publisherConnection.model, settings.confirmTimeoutMs, settings.logger);
    return new AmqpTransport(settings, publisherConnection, publisher, deadLetters);
  }

  isReady(): boolean {
    return this.closing === null && this.publisherConnection.model !== null;
  }

  publishBatch(envelopes: readonly EventEnvelope[], onSettled?: OnPublishSettled): Promise<PublishOutcome[]> {
    if (this.closing) {
      const error = new TransportUnavailableError('transport closed');
      return Promise.resolve(envelopes.map(() => ({ ok: false, error })));
    }
    return this.publisher.publishBatch(envelopes, onSettled);
  }

  /**
   * Declares every queue of the manifest (see `declareManifestTopology`) and re-declares it on every
   * publisher reconnect. Rejects if the broker refuses a declaration (a queue that exists with other
   * arguments) or does not answer in time. Once declared, a returned event of a type the manifest
   * gives no consumer counts as published; before, every returned event is a failure.
   */
  declareTopology(manifest: SubscriptionManifest): Promise<void> {
    if (this.closing) return Promise.reject(new Error('transport closed'));
    return this.publisher.declareTopology(manifest);
  }

  async consume(subscription: Subscription): Promise<ConsumerHandle> {
    assertValid(subscription);
    if (this.closing) throw new Error('transport closed');
    const connection = await this.openConsumerConnection();
    if (this.closing) throw new Error('transport closed');
    const consumer = new AmqpConsumer(
      subscription,
      connection,
      { confirmTimeoutMs: this.settings.confirmTimeoutMs, restartDelayMs: this.settings.reconnectDelayMs, logger: this.settings.logger },
      (cancelled) => this.consumers.delete(cancelled),
    );
    this.consumers.add(consumer);
    await consumer.begin();
    return consumer;
  }

  list(service: string, limit?: number): Promise<DeadLetter[]> {
    return this.deadLetters.list(service, limit);
  }

  replay(service: string, messageIds?: readonly string[]): Promise<number> {
    return this.deadLetters.replay(service, messageIds);
  }

  depth(service: string): Promise<number> {
    return this.deadLetters.depth(service);
  }

  /** Cancels the consumers (waiting for their in-flight handlers), then closes both connections. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    await Promise.all([...this.consumers].map((consumer) => consumer.cancel()));
    await this.publisher.close();
    await this.publisherConnection.close();
    const consumerConnection = await this.consumerConnection?.catch(() => null);
    await consumerConnection?.close();
  }

  private openConsumerConnection(): Promise<ReconnectingConnection> {
    if (!this.consumerConnection) {
      const opening = ReconnectingConnection.open(connectionOptions(this.settings, 'consumer'));
      this.consumerConnection = opening;
      // A failed start-up is not cached: the next consume tries again.
      opening.catch(() => {
        if (this.consumerConnection === opening) this.consumerConnection = null;
      });
    }
    return this.consumerConnection;
  }
}

function connectionOptions(settings: Settings, role: 'publisher' | 'consumer'): ReconnectingConnectionOptions {
  return {
    url: settings.url,
    connectionName: `${settings.connectionName}.${role}`,
    reconnectDelayMs: settings.reconnectDelayMs,
    heartbeatSeconds: settings.heartbeatSeconds,
    initialConnectRetries: settings.initialConnectRetries,
    logger: settings.logger,
  };
}

function assertValid(subscription: Subscription): void {
  const { service, prefetch, retry } = subscription;
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(service)) throw new Error(`invalid service name '${service}'`);
  if (!Number.isInteger(prefetch) || prefetch < 1) throw new Error(`prefetch must be a positive integer, got ${prefetch}`);
  for (const delayMs of retry.delaysMs) {
    // Each delay is a queue's x-message-ttl.
    if (!Number.isInteger(delayMs) || delayMs < 0) throw new Error(`retry delays must be non-negative integers (ms), got ${delayMs}`);
  }
}
