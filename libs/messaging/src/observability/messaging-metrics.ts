import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface OutboxBacklog {
  readonly pending: number;
  /** Seconds since the oldest pending row was written; 0 when none. */
  readonly oldestAgeSeconds: number;
}

/**
 * The messaging figures of one service in Prometheus text: outbox backlog and age, publishes,
 * deliveries by outcome with durations, DLQ depth. Gauges that need a query are read at scrape time.
 */
export class MessagingMetrics {
  readonly published: Counter<'type'>;
  readonly publishFailures: Counter<'type'>;
  readonly handled: Counter<'type' | 'handler'>;
  readonly failed: Counter<'type' | 'handler'>;
  readonly duplicates: Counter<'type' | 'handler'>;
  readonly deadLettered: Counter<'type'>;
  readonly handleDuration: Histogram<'type' | 'handler'>;
  /** `mandatory` publishes the broker returned: no queue bound for the type. */
  readonly unroutable: Counter<'type'>;
  /** Outbox rows moved to `outbox_dead` after `OUTBOX_MAX_ATTEMPTS` failed publishes. */
  readonly outboxDeadLettered: Counter<'type'>;
  /** Handler runs that failed on an unreachable database: not counted as attempts. */
  readonly transientFailures: Counter<'type' | 'handler'>;
  /** Handler runs that passed `HANDLER_TIMEOUT_MS`: failed into the retry path. */
  readonly timedOut: Counter<'type' | 'handler'>;
  /** Times the consumer paused because its database did not answer. */
  readonly consumerPauses: Counter;
  /** 1 while the consumer is paused (its database does not answer), else 0. */
  readonly consumerPaused: Gauge;
  private backlogSource: (() => Promise<OutboxBacklog>) | undefined;
  private deadLetterDepthSource: (() => Promise<number>) | undefined;

  constructor(readonly registry: Registry = new Registry()) {
    const registers = [registry];
    this.published = new Counter({
      name: 'shop_outbox_published_total',
      help: 'Outbox rows published and confirmed by the broker',
      labelNames: ['type'],
      registers,
    });
    this.publishFailures = new Counter({
      name: 'shop_outbox_publish_failures_total',
      help: 'Outbox publishes that failed or were not confirmed in time',
      labelNames: ['type'],
      registers,
    });
    this.handled = new Counter({ name: 'shop_messages_handled_total', help: 'Deliveries handled and committed', labelNames: ['type', 'handler'], registers });
    this.failed = new Counter({
      name: 'shop_messages_failed_total',
      help: 'Deliveries whose handler failed (retried or dead-lettered)',
      labelNames: ['type', 'handler'],
      registers,
    });
    this.duplicates = new Counter({
      name: 'shop_messages_duplicate_total',
      help: 'Deliveries skipped because the inbox had already recorded them',
      labelNames: ['type', 'handler'],
      registers,
    });
    this.deadLettered = new Counter({
      name: 'shop_messages_invalid_total',
      help: 'Deliveries refused at once: not matching their contract',
      labelNames: ['type'],
      registers,
    });
    this.handleDuration = new Histogram({
      name: 'shop_message_handle_duration_seconds',
      help: 'Time to handle one delivery, inbox and commit included',
      labelNames: ['type', 'handler'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.unroutable = new Counter({
      name: 'shop_outbox_unroutable_total',
      help: 'Publishes returned by the broker as unroutable (no queue bound for the type); the rows stay pending',
      labelNames: ['type'],
      registers,
    });
    this.outboxDeadLettered = new Counter({
      name: 'shop_outbox_dead_total',
      help: 'Outbox rows moved to outbox_dead after too many failed publishes',
      labelNames: ['type'],
      registers,
    });
    this.transientFailures = new Counter({
      name: 'shop_messages_transient_failures_total',
      help: 'Deliveries given back uncounted because the database was unreachable',
      labelNames: ['type', 'handler'],
      registers,
    });
    this.timedOut = new Counter({
      name: 'shop_messages_timed_out_total',
      help: 'Handler runs that passed HANDLER_TIMEOUT_MS and were failed into the retry path',
      labelNames: ['type', 'handler'],
      registers,
    });
    this.consumerPauses = new Counter({ name: 'shop_consumer_pauses_total', help: 'Times the consumer paused because its database did not answer', registers });
    this.consumerPaused = new Gauge({ name: 'shop_consumer_paused', help: '1 while the consumer is paused because its database does not answer', registers });
    // prom-client calls `collect` with the gauge as `this`; the sources are read through these.
    const backlog = () => this.backlogSource?.();
    const deadLetterDepth = () => this.deadLetterDepthSource?.();
    new Gauge({
      name: 'shop_outbox_pending',
      help: 'Outbox rows not yet published',
      registers,
      async collect() {
        const figures = await backlog();
        if (figures) this.set(figures.pending);
      },
    });
    new Gauge({
      name: 'shop_outbox_oldest_pending_age_seconds',
      help: 'Age of the oldest outbox row not yet published',
      registers,
      async collect() {
        const figures = await backlog();
        if (figures) this.set(figures.oldestAgeSeconds);
      },
    });
    new Gauge({
      name: 'shop_dead_letter_queue_depth',
      help: "Messages in this service's dead-letter queue",
      registers,
      async collect() {
        const depth = await deadLetterDepth();
        if (depth !== undefined) this.set(depth);
      },
    });
  }

  observeBacklog(source: () => Promise<OutboxBacklog>): void {
    this.backlogSource = source;
  }

  observeDeadLetterDepth(source: () => Promise<number>): void {
    this.deadLetterDepthSource = source;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
