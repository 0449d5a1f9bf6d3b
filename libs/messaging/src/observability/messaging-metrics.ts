import { withDeadline } from '@shop/shared-kernel';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface OutboxBacklog {
  readonly pending: number;
  /** Seconds since the oldest pending row was written; 0 when none. */
  readonly oldestAgeSeconds: number;
}

export interface MessagingMetricsOptions {
  /**
   * How long a scrape waits for a gauge's source (a database query, a broker call) before it leaves
   * that gauge out. Well under Prometheus' scrape timeout (10 s by default), so that a database or
   * broker that does not answer costs one gauge, not the whole scrape. Default 2 s.
   */
  readonly readTimeoutMs?: number;
}

const DEFAULT_METRICS_READ_TIMEOUT_MS = 2_000;

/**
 * The messaging figures of one service in Prometheus text: outbox backlog and age, publishes,
 * deliveries by outcome with durations, DLQ depth. Gauges that need a query are read at scrape time.
 *
 * A scrape never fails because of such a read: the gauge whose source failed or did not answer in
 * time is left out of that scrape (no sample: Prometheus sees "unknown", never a stale or made-up
 * figure), and `shop_metrics_read_failures_total{metric}` counts it. Otherwise one unreachable
 * broker would turn every scrape into a 500, and the outbox and DLQ alerts would go blind just when
 * they matter.
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
  /** Scrapes at which a gauge's source failed or did not answer in time: the gauge was left out. */
  readonly readFailures: Counter<'metric'>;
  private backlogSource: (() => Promise<OutboxBacklog>) | undefined;
  private deadLetterDepthSource: (() => Promise<number>) | undefined;

  constructor(
    readonly registry: Registry = new Registry(),
    options: MessagingMetricsOptions = {},
  ) {
    const registers = [registry];
    const readTimeoutMs = options.readTimeoutMs ?? DEFAULT_METRICS_READ_TIMEOUT_MS;
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
    const readsInFlight = new Set<Promise<void>>();
    const timedOut = (): never => {
      throw new Error(`no answer within ${readTimeoutMs} ms`);
    };
    /**
     * A gauge read from `source` at scrape time. prom-client fails the whole scrape if a `collect`
     * rejects, hence the catch; `remove()` takes the sample out (prom-client calls `collect` with the
     * gauge as `this`).
     */
    const readAtScrape = <T>(name: string, help: string, source: () => Promise<T> | undefined, valueOf: (figures: T) => number): void => {
      const read = async (gauge: Gauge): Promise<void> => {
        try {
          const figures = source();
          if (!figures) return; // nothing observed in this process: the gauge stays at 0
          gauge.set(valueOf(await withDeadline(figures, readTimeoutMs, timedOut)));
        } catch {
          gauge.remove();
          this.readFailures.inc({ metric: name });
        }
      };
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          const reading = read(this);
          readsInFlight.add(reading);
          await reading.finally(() => readsInFlight.delete(reading));
        },
      });
    };
    readAtScrape(
      'shop_outbox_pending',
      'Outbox rows not yet published',
      () => this.backlogSource?.(),
      (figures) => figures.pending,
    );
    readAtScrape(
      'shop_outbox_oldest_pending_age_seconds',
      'Age of the oldest outbox row not yet published',
      () => this.backlogSource?.(),
      (figures) => figures.oldestAgeSeconds,
    );
    readAtScrape(
      'shop_dead_letter_queue_depth',
      "Messages in this service's dead-letter queue",
      () => this.deadLetterDepthSource?.(),
      (depth) => depth,
    );
    // Registered after the gauges, so a scrape collects it after theirs began: it waits for their
    // reads and shows this scrape's failures in this scrape.
    this.readFailures = new Counter({
      name: 'shop_metrics_read_failures_total',
      help: `Scrapes at which a gauge's source (database, broker) failed or did not answer within ${readTimeoutMs} ms; that gauge was left out`,
      labelNames: ['metric'],
      registers,
      async collect() {
        await Promise.all(readsInFlight);
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
