import {
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { EventSchemaRegistry, publishedLanguage, subscriptions, type EventContract, type SubscriptionManifest } from '@shop/contracts';
import { TransactionHost } from '@shop/persistence';
import { EVENT_OUTBOX, UNIT_OF_WORK } from '@shop/shared-kernel';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { EventConsumer } from '../consumer/event-consumer.js';
import { Inbox } from '../inbox/inbox.js';
import { SqlDeadLetterStore } from '../memory/dead-letter-store.js';
import { SqlDeliveryRetryStore } from '../memory/delivery-retry-store.js';
import { MemoryTransport } from '../memory/memory-transport.js';
import { LOGGER, createLogger, shopSpanAttributes } from '@shop/observability';
import { MessagingMetrics } from '../observability/messaging-metrics.js';
import { OutboxRelay, defaultRelayOptions, type OutboxRelayOptions } from '../outbox/outbox-relay.js';
import { OutboxSignal } from '../outbox/outbox-signal.js';
import { OutboxWriter } from '../outbox/outbox-writer.js';
import type { RetryPolicy, Transport } from '../transport/transport.js';
import { ShopEventsServer, consumerRetryPolicyOf } from './shop-events.server.js';
import { DATA_SOURCE, MESSAGING_OPTIONS, TRANSPORT } from './messaging.tokens.js';
import { ShutdownDeadline } from './shutdown-deadline.js';

export interface MessagingModuleOptions {
  /** The owning service: envelope source, queue `<service>.events`. */
  readonly service: string;
  /** Opens the service's database (migrations included). Closed on shutdown. */
  readonly dataSource: () => Promise<DataSource>;
  readonly transport: () => Promise<Transport> | Transport;
  /** Whether shutting this service down closes the transport (false for a transport shared in-process). */
  readonly ownsTransport: boolean;
  /** The contracts this service speaks; the whole published language by default. */
  readonly contracts?: readonly EventContract[];
  readonly relay?: Partial<OutboxRelayOptions>;
  /** Run the outbox relay in this process (default true); false for an instance that only serves requests. */
  readonly runRelay?: boolean;
  readonly prefetch?: number;
  /** A handler run past this is rolled back and retried (default 30 s; `HANDLER_TIMEOUT_MS`). */
  readonly handlerTimeoutMs?: number;
  /** At most this many handler transactions at once (default 8); prefetch stays the buffer. */
  readonly handlerConcurrency?: number;
  /** Must match this service's `retryDelaysMs` in the manifest (taken from there when omitted). */
  readonly retry?: RetryPolicy;
  /**
   * Which service consumes which event types; the platform's `subscriptions` from `@shop/contracts` by
   * default. Declared whole at bootstrap, before the relay starts; this service's handlers must match its entry.
   */
  readonly subscriptions?: SubscriptionManifest;
  /** Inbox rows older than this are forgotten (default 30 days). */
  readonly inboxRetentionMs?: number;
  /** An event whose payload JSON is larger is refused by the outbox writer (default 512 KiB). */
  readonly maxPayloadBytes?: number;
  /**
   * How long shutting down may take (default 10 s; `SHUTDOWN_TIMEOUT_MS`): the consumer and the relay
   * finish their work in flight within 80 % of it, closing the transport and the database gets the
   * rest; whatever overruns is abandoned and logged (deliveries return to the queue, rows stay pending).
   */
  readonly shutdownTimeoutMs?: number;
  readonly logger?: Logger;
}

const DAY = 24 * 3600_000;
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/** Starts the relay once the app is up, drains it and closes connections on shutdown. */
@Injectable()
class MessagingLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly relay: OutboxRelay,
    private readonly consumer: EventConsumer,
    private readonly inbox: Inbox,
    private readonly transactions: TransactionHost,
    @Inject(TRANSPORT) private readonly transport: Transport,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingModuleOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.declareTopology();
    if (this.options.runRelay !== false) this.relay.start();
    const retention = this.options.inboxRetentionMs ?? 30 * DAY;
    const prune = () => {
      this.inbox
        .prune(retention)
        .then((deleted) => deleted && this.logger.info({ deleted }, 'inbox: pruned old rows'))
        .catch((error: unknown) => this.logger.warn({ err: error }, 'inbox prune failed'));
    };
    // Soon after start, not an hour later: a process restarted more often than hourly still prunes.
    this.pruneTimer = setTimeout(() => {
      prune();
      this.pruneTimer = setInterval(prune, 3600_000).unref();
    }, 15_000).unref();
  }

  /** Before anything is published, so an event never reaches a broker that has no queue for it yet. */
  private async declareTopology(): Promise<void> {
    if (!this.transport.declareTopology) return;
    try {
      await this.transport.declareTopology(this.options.subscriptions ?? subscriptions);
    } catch (error) {
      throw new Error(`${this.options.service}: could not declare the messaging topology, not starting: ${(error as Error)?.message ?? String(error)}`, {
        cause: error,
      });
    }
  }

  /** Started by the first shutdown hook, shared by both: one deadline for the whole shutdown. */
  private shutdown: ShutdownDeadline | undefined;

  private shutdownDeadline(): ShutdownDeadline {
    this.shutdown ??= new ShutdownDeadline(this.options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS, this.logger);
    return this.shutdown;
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.pruneTimer);
    const deadline = this.shutdownDeadline();
    await deadline.finishWork('consumer stop', () => this.consumer.stop());
    await deadline.finishWork('relay stop', () => this.relay.stop());
  }

  async onApplicationShutdown(): Promise<void> {
    const deadline = this.shutdownDeadline();
    if (this.options.ownsTransport) await deadline.close('transport close', () => this.transport.close());
    if (this.transactions.dataSource.isInitialized) await deadline.close('data source destroy', () => this.transactions.dataSource.destroy());
  }
}

/**
 * Everything a service needs to emit and receive integration events: its database and the one
 * transaction helper (`UNIT_OF_WORK`), the outbox (`EVENT_OUTBOX`), the relay, the inbox-guarded
 * consumer and its Nest transport strategy (`ShopEventsServer`, to pass to `connectMicroservice`),
 * metrics and the logger. Every context imports it the same way.
 */
@Module({})
export class MessagingModule {
  static forService(options: MessagingModuleOptions): DynamicModule {
    const relayOptions: OutboxRelayOptions = { ...defaultRelayOptions, ...options.relay };
    const manifest = options.subscriptions ?? subscriptions;
    const retry = consumerRetryPolicyOf(options.service, manifest, options.retry);
    return {
      module: MessagingModule,
      global: true,
      providers: [
        { provide: MESSAGING_OPTIONS, useValue: options },
        { provide: LOGGER, useFactory: () => options.logger ?? createLogger(options.service) },
        { provide: DATA_SOURCE, useFactory: () => options.dataSource() },
        {
          provide: TRANSPORT,
          useFactory: async () => {
            const transport = await options.transport();
            // The memory transport checks each subscription against the manifest at consume, which comes before bootstrap.
            if (transport.kind === 'memory') await transport.declareTopology?.(manifest);
            return transport;
          },
        },
        {
          provide: TransactionHost,
          // Each transaction's span (tracing on) names the service and the correlation id of the work it belongs to.
          useFactory: (dataSource: DataSource) => new TransactionHost(dataSource, { spanAttributes: () => shopSpanAttributes(options.service) }),
          inject: [DATA_SOURCE],
        },
        { provide: UNIT_OF_WORK, useExisting: TransactionHost },
        { provide: EventSchemaRegistry, useFactory: () => new EventSchemaRegistry(options.contracts ?? publishedLanguage) },
        { provide: OutboxSignal, useValue: new OutboxSignal() },
        { provide: MessagingMetrics, useFactory: () => new MessagingMetrics() },
        {
          provide: OutboxWriter,
          useFactory: (transactions: TransactionHost, registry: EventSchemaRegistry, signal: OutboxSignal, transport: Transport) =>
            new OutboxWriter(transactions, registry, signal, {
              source: options.service,
              partitions: relayOptions.partitions,
              maxPayloadBytes: options.maxPayloadBytes,
              transportKind: transport.kind,
            }),
          inject: [TransactionHost, EventSchemaRegistry, OutboxSignal, TRANSPORT],
        },
        { provide: EVENT_OUTBOX, useExisting: OutboxWriter },
        {
          provide: OutboxRelay,
          useFactory: (transactions: TransactionHost, transport: Transport, signal: OutboxSignal, metrics: MessagingMetrics, logger: Logger) =>
            new OutboxRelay(transactions, transport, signal, metrics, logger, relayOptions),
          inject: [TransactionHost, TRANSPORT, OutboxSignal, MessagingMetrics, LOGGER],
        },
        { provide: Inbox, useFactory: (transactions: TransactionHost) => new Inbox(transactions), inject: [TransactionHost] },
        {
          provide: EventConsumer,
          useFactory: (
            transport: Transport,
            transactions: TransactionHost,
            inbox: Inbox,
            registry: EventSchemaRegistry,
            metrics: MessagingMetrics,
            logger: Logger,
          ) => {
            if (transport instanceof MemoryTransport) {
              transport.attachDeadLetterStore(options.service, new SqlDeadLetterStore(options.service, transactions));
              transport.attachRetryStore(options.service, new SqlDeliveryRetryStore(transactions));
            }
            return new EventConsumer(transport, transactions, inbox, registry, metrics, logger, {
              service: options.service,
              prefetch: options.prefetch ?? 32,
              retry,
              handlerTimeoutMs: options.handlerTimeoutMs,
              handlerConcurrency: options.handlerConcurrency,
            });
          },
          inject: [TRANSPORT, TransactionHost, Inbox, EventSchemaRegistry, MessagingMetrics, LOGGER],
        },
        {
          provide: ShopEventsServer,
          useFactory: (consumer: EventConsumer) => new ShopEventsServer(consumer, { service: options.service, manifest }),
          inject: [EventConsumer],
        },
        MessagingLifecycle,
      ],
      exports: [
        DATA_SOURCE,
        TRANSPORT,
        LOGGER,
        TransactionHost,
        UNIT_OF_WORK,
        EventSchemaRegistry,
        OutboxWriter,
        EVENT_OUTBOX,
        OutboxRelay,
        MessagingMetrics,
        EventConsumer,
        ShopEventsServer,
      ],
    };
  }
}
