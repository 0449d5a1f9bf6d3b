import { ContractViolationError, type EventEnvelope, type EventSchemaRegistry } from '@shop/contracts';
import type { TransactionHost } from '@shop/persistence';
import type { Logger } from 'pino';
import { MessageContext } from '../context/message-context.js';
import type { Inbox } from '../inbox/inbox.js';
import type { MessagingMetrics } from '../observability/messaging-metrics.js';
import { KeyedSerialQueue } from './keyed-serial-queue.js';
import {
  PermanentDeliveryError,
  type ConsumerHandle,
  type Delivery,
  type RetryPolicy,
  type Transport,
} from '../transport/transport.js';

export interface EventHandlerRegistration {
  readonly type: string;
  /** Stable name of the reaction (`reserve-coupon-on-order-placed`): the inbox key. */
  readonly handler: string;
  handle(envelope: EventEnvelope): Promise<void>;
}

export interface EventConsumerOptions {
  readonly service: string;
  readonly prefetch: number;
  readonly retry: RetryPolicy;
}

/**
 * The receiving side of one service, the same on every transport: validates each delivery against
 * its contract (a violation is dead-lettered at once, never half-applied), then runs every handler
 * of its type in its own transaction behind the inbox, with the correlation id of the message in
 * context so that the events it emits and the lines it logs carry it.
 */
export class EventConsumer {
  private readonly handlers = new Map<string, EventHandlerRegistration[]>();
  private handle: ConsumerHandle | undefined;
  private readonly perAggregate = new KeyedSerialQueue();

  constructor(
    private readonly transport: Transport,
    private readonly transactions: TransactionHost,
    private readonly inbox: Inbox,
    private readonly registry: EventSchemaRegistry,
    private readonly metrics: MessagingMetrics,
    private readonly logger: Logger,
    private readonly options: EventConsumerOptions,
  ) {
    metrics.observeDeadLetterDepth(() => transport.depth(options.service));
  }

  register(registration: EventHandlerRegistration): void {
    if (!this.registry.has(registration.type)) throw new Error(`handler '${registration.handler}' listens to '${registration.type}', which has no contract`);
    const list = this.handlers.get(registration.type) ?? [];
    if (list.some((h) => h.handler === registration.handler)) throw new Error(`handler name '${registration.handler}' is used twice for '${registration.type}'`);
    list.push(registration);
    this.handlers.set(registration.type, list);
  }

  get eventTypes(): string[] {
    return [...this.handlers.keys()];
  }

  async start(): Promise<void> {
    if (this.handle || this.handlers.size === 0) return;
    this.handle = await this.transport.consume({
      service: this.options.service,
      eventTypes: this.eventTypes,
      prefetch: this.options.prefetch,
      retry: this.options.retry,
      handle: (delivery) => this.deliver(delivery),
    });
  }

  /** Stops taking deliveries; those in flight finish first. */
  async stop(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.cancel();
  }

  async deliver(delivery: Delivery): Promise<void> {
    const envelope = this.validated(delivery);
    const handlers = this.handlers.get(envelope.type) ?? [];
    await this.perAggregate.run(envelope.aggregateId, () =>
      MessageContext.run({ correlationId: envelope.correlationId, causationId: envelope.id }, async () => {
        for (const handler of handlers) await this.runHandler(handler, envelope, delivery.attempt);
      }),
    );
  }

  private validated(delivery: Delivery): EventEnvelope {
    try {
      this.registry.validateEnvelope(delivery.envelope);
      return delivery.envelope;
    } catch (error) {
      if (!(error instanceof ContractViolationError)) throw error;
      this.metrics.deadLettered.inc({ type: error.eventType });
      const id = (delivery.envelope as { id?: unknown } | null)?.id;
      this.logger.error({ messageId: id, type: error.eventType, problems: error.problems }, 'refused a message that does not match its contract');
      throw new PermanentDeliveryError(error.message, { cause: error });
    }
  }

  private async runHandler(registration: EventHandlerRegistration, envelope: EventEnvelope, attempt: number): Promise<void> {
    const labels = { type: envelope.type, handler: registration.handler };
    const stopTimer = this.metrics.handleDuration.startTimer(labels);
    try {
      const applied = await this.transactions.run(async () => {
        if (!(await this.inbox.record(envelope.id, registration.handler))) return false;
        await registration.handle(envelope);
        return true;
      });
      (applied ? this.metrics.handled : this.metrics.duplicates).inc(labels);
      if (!applied) this.logger.info({ messageId: envelope.id, ...labels }, 'duplicate delivery skipped');
    } catch (error) {
      this.metrics.failed.inc(labels);
      this.logger.warn({ err: error, messageId: envelope.id, attempt, ...labels }, 'handler failed');
      throw error;
    } finally {
      stopTimer();
    }
  }
}
