import { SpanKind, context, trace, type Context, type Span } from '@opentelemetry/api';
import { ContractViolationError, type EventEnvelope, type EventSchemaRegistry } from '@shop/contracts';
import { isConnectionError, isDatabaseConnectionError, type TransactionHost } from '@shop/persistence';
import type { Logger } from 'pino';
import { MessageContext, extractTraceContext, tracingEnabled } from '@shop/observability';
import { ShopAttribute, endWithError, messageSpanAttributes, messagingTracer, type MessageOutcome } from '../tracing/messaging-tracing.js';
import type { Inbox } from '../inbox/inbox.js';
import type { MessagingMetrics } from '../observability/messaging-metrics.js';
import { Semaphore } from '../memory/semaphore.js';
import { KeyedSerialQueue } from './keyed-serial-queue.js';
import { OutagePause, defaultOutagePauseOptions, type OutagePauseOptions } from './outage-pause.js';
import {
  PermanentDeliveryError,
  TransientDeliveryError,
  isTransientDeliveryError,
  queueNameOf,
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
  /** A handler run past this is abandoned (rolled back) and fails into the retry path. Default 30 s. */
  readonly handlerTimeoutMs?: number;
  /** At most this many handler transactions at once, so handlers never exhaust the pool. Default 8. */
  readonly handlerConcurrency?: number;
  /** Probing the database while paused for an outage. */
  readonly outage?: Partial<OutagePauseOptions>;
}

export const DEFAULT_HANDLER_TIMEOUT_MS = 30_000;
export const DEFAULT_HANDLER_CONCURRENCY = 8;

/** A handler run that passed its deadline; its transaction was rolled back. Retried like any failure. */
export class HandlerTimeoutError extends Error {
  constructor(
    readonly handler: string,
    readonly timeoutMs: number,
  ) {
    super(`handler '${handler}' did not finish within ${timeoutMs} ms; its transaction was rolled back`);
    this.name = 'HandlerTimeoutError';
  }
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
  private stopping = false;
  private readonly perAggregate = new KeyedSerialQueue();
  private readonly handlerSlots: Semaphore;
  private readonly handlerTimeoutMs: number;
  private readonly outage: OutagePause;

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
    this.handlerSlots = new Semaphore(options.handlerConcurrency ?? DEFAULT_HANDLER_CONCURRENCY);
    this.handlerTimeoutMs = options.handlerTimeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS;
    this.outage = new OutagePause(() => transactions.dataSource.query('SELECT 1'), metrics, logger, { ...defaultOutagePauseOptions, ...options.outage });
  }

  /** True while deliveries are paused because the database does not answer. */
  get paused(): boolean {
    return this.outage.paused;
  }

  register(registration: EventHandlerRegistration): void {
    if (!this.registry.has(registration.type)) throw new Error(`handler '${registration.handler}' listens to '${registration.type}', which has no contract`);
    const list = this.handlers.get(registration.type) ?? [];
    if (list.some((h) => h.handler === registration.handler))
      throw new Error(`handler name '${registration.handler}' is used twice for '${registration.type}'`);
    list.push(registration);
    this.handlers.set(registration.type, list);
  }

  get eventTypes(): string[] {
    return [...this.handlers.keys()];
  }

  async start(): Promise<void> {
    if (this.handle || this.handlers.size === 0) return;
    this.stopping = false;
    this.handle = await this.transport.consume({
      service: this.options.service,
      eventTypes: this.eventTypes,
      prefetch: this.options.prefetch,
      retry: this.options.retry,
      handle: (delivery) => this.deliver(delivery),
    });
  }

  /**
   * Stops taking deliveries. Handlers already running finish or reach their deadline; deliveries
   * still waiting for their aggregate or a handler slot go back uncounted.
   */
  async stop(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    this.stopping = true;
    await this.outage.stop();
    await handle?.cancel();
  }

  async deliver(delivery: Delivery): Promise<void> {
    // The trace context is the transport's, not the contract's: off before the schema check, always.
    const { candidate, traceContext } = withoutTraceContext(delivery.envelope);
    // Based on the root context, never on whatever is active where the transport delivers from (in the
    // embedded mode, the producer's relay): an unusable context means a new trace, never a failure.
    const parent = tracingEnabled() ? extractTraceContext(traceContext) : undefined;
    const envelope = this.validated(candidate, delivery.attempt, parent);
    const handlers = this.handlers.get(envelope.type) ?? [];
    await this.perAggregate.run(envelope.aggregateId, () =>
      MessageContext.run({ correlationId: envelope.correlationId, causationId: envelope.id }, async () => {
        for (const handler of handlers) await this.handlerSlots.use(() => this.runHandler(handler, envelope, delivery.attempt, parent));
      }),
    );
  }

  private validated(candidate: unknown, attempt: number, parent: Context | undefined): EventEnvelope {
    try {
      this.registry.validateEnvelope(candidate);
      return candidate;
    } catch (error) {
      if (!(error instanceof ContractViolationError)) throw error;
      this.metrics.deadLettered.inc({ type: error.eventType });
      const id = (candidate as { id?: unknown } | null)?.id;
      this.logger.error({ messageId: id, type: error.eventType, problems: error.problems }, 'refused a message that does not match its contract');
      const refusal = new PermanentDeliveryError(error.message, { cause: error });
      if (parent) {
        const span = this.startProcessSpan(error.eventType, typeof id === 'string' ? id : undefined, attempt, parent);
        span.setAttribute(ShopAttribute.outcome, 'invalid' satisfies MessageOutcome);
        endWithError(span, refusal);
      }
      throw refusal;
    }
  }

  /**
   * Runs one handler, inside its `process` span when tracing: the handler's transaction, its queries
   * and the events it writes (their `create` spans) are children of it.
   */
  private async runHandler(registration: EventHandlerRegistration, envelope: EventEnvelope, attempt: number, parent: Context | undefined): Promise<void> {
    const labels = { type: envelope.type, handler: registration.handler };
    // Waited for its aggregate or a slot while the consumer stopped or paused: not worth a try.
    if (this.stopping) throw new TransientDeliveryError('the consumer is stopping; delivery given back');
    if (this.outage.paused) {
      this.metrics.transientFailures.inc(labels);
      throw new TransientDeliveryError('the consumer is paused: database unreachable; delivery given back');
    }
    if (!parent) {
      await this.applyHandler(registration, envelope, attempt, labels);
      return;
    }
    const span = this.startProcessSpan(envelope.type, envelope.id, attempt, parent, envelope.correlationId);
    span.setAttribute(ShopAttribute.handler, registration.handler);
    let applied: boolean;
    try {
      applied = await context.with(trace.setSpan(parent, span), () => this.applyHandler(registration, envelope, attempt, labels));
    } catch (error) {
      const outcome: MessageOutcome = isTransientDeliveryError(error) ? 'transient' : error instanceof HandlerTimeoutError ? 'timed_out' : 'failed';
      span.setAttribute(ShopAttribute.outcome, outcome);
      endWithError(span, error);
      throw error;
    }
    span.setAttribute(ShopAttribute.outcome, (applied ? 'handled' : 'duplicate') satisfies MessageOutcome);
    span.end();
  }

  private startProcessSpan(type: string, messageId: string | undefined, attempt: number, parent: Context, correlationId?: string): Span {
    const attributes = messageSpanAttributes('process', {
      type,
      service: this.options.service,
      transport: this.transport.kind,
      messageId,
      correlationId,
      consumerGroup: queueNameOf(this.options.service),
    });
    attributes[ShopAttribute.attempt] = attempt;
    return messagingTracer().startSpan(`process ${type}`, { kind: SpanKind.CONSUMER, attributes }, parent);
  }

  /** The handler in its transaction behind the inbox; answers false for a duplicate. */
  private async applyHandler(
    registration: EventHandlerRegistration,
    envelope: EventEnvelope,
    attempt: number,
    labels: { type: string; handler: string },
  ): Promise<boolean> {
    const stopTimer = this.metrics.handleDuration.startTimer(labels);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new HandlerTimeoutError(registration.handler, this.handlerTimeoutMs)), this.handlerTimeoutMs);
    try {
      const applied = await this.transactions.run(
        async () => {
          if (!(await this.inbox.record(envelope.id, registration.handler))) return false;
          await registration.handle(envelope);
          return true;
        },
        { signal: deadline.signal },
      );
      (applied ? this.metrics.handled : this.metrics.duplicates).inc(labels);
      if (!applied) this.logger.info({ messageId: envelope.id, ...labels }, 'duplicate delivery skipped');
      return applied;
    } catch (error) {
      throw await this.failureOf(error, labels, envelope, attempt);
    } finally {
      clearTimeout(timer);
      stopTimer();
    }
  }

  /**
   * What a failed handler run means for its delivery. The database being unreachable is not the
   * message's fault: the delivery goes back uncounted and the consumer pauses. An error only a
   * database driver raises (SQLSTATE 08/57P0x, a lost pg connection, SQLITE_BUSY) is always that; a
   * socket error or a timeout is only if the database does not answer a probe either (the handler
   * may have called another service), and otherwise uses an attempt like any failure.
   */
  private async failureOf(error: unknown, labels: { type: string; handler: string }, envelope: EventEnvelope, attempt: number): Promise<unknown> {
    const timedOut = error instanceof HandlerTimeoutError;
    const suspectDatabase = isDatabaseConnectionError(error) || ((timedOut || isConnectionError(error)) && !(await this.outage.databaseAnswers()));
    if (suspectDatabase) {
      this.metrics.transientFailures.inc(labels);
      this.logger.debug({ err: error, messageId: envelope.id, attempt, ...labels }, 'database unreachable; delivery given back uncounted');
      if (this.handle) this.outage.begin(this.handle, error);
      return new TransientDeliveryError(`database unreachable: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    this.metrics.failed.inc(labels);
    if (timedOut) {
      this.metrics.timedOut.inc(labels);
      this.logger.warn({ err: error, messageId: envelope.id, attempt, ...labels }, 'handler timed out');
    } else {
      this.logger.warn({ err: error, messageId: envelope.id, attempt, ...labels }, 'handler failed');
    }
    return error;
  }
}

/**
 * Splits the transport's `traceContext` off a received envelope; the same object back when it has
 * none. Whatever arrived, never throws.
 */
function withoutTraceContext(envelope: unknown): { candidate: unknown; traceContext: unknown } {
  if (typeof envelope !== 'object' || envelope === null || !Object.hasOwn(envelope, 'traceContext')) return { candidate: envelope, traceContext: undefined };
  const { traceContext, ...candidate } = envelope as { traceContext?: unknown };
  return { candidate, traceContext };
}
