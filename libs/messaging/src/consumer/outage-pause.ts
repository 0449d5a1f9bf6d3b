import type { Logger } from 'pino';
import type { MessagingMetrics } from '../observability/messaging-metrics.js';
import type { ConsumerHandle } from '../transport/transport.js';
import { sleep, withDeadline } from '@shop/shared-kernel';

export interface OutagePauseOptions {
  /** First wait before probing the database; doubles after every unanswered probe… */
  readonly initialDelayMs: number;
  /** …up to this. */
  readonly maxDelayMs: number;
  /** Each probe's own deadline: a black-holed database counts as not answering. */
  readonly probeTimeoutMs: number;
}

export const defaultOutagePauseOptions: OutagePauseOptions = { initialDelayMs: 250, maxDelayMs: 10_000, probeTimeoutMs: 2_000 };

/**
 * The consumer's reaction to its database going away: stop taking deliveries (those in flight go
 * back uncounted), probe the database with backoff, take deliveries again once it answers. One
 * probe loop at a time, however many deliveries report the outage.
 */
export class OutagePause {
  private loop: Promise<void> | undefined;
  private holding = false;
  private stopper: AbortController | undefined;
  /** An outage reported while the loop was resuming the subscription: pause again once it is done. */
  private reportedWhileResuming: { handle: ConsumerHandle; reason: unknown } | undefined;

  constructor(
    /** Resolves when the database answers (`SELECT 1`); rejects or hangs when it does not. */
    private readonly probe: () => Promise<unknown>,
    private readonly metrics: Pick<MessagingMetrics, 'consumerPauses' | 'consumerPaused'>,
    private readonly logger: Logger,
    private readonly options: OutagePauseOptions = defaultOutagePauseOptions,
  ) {}

  /** True from the first report of an outage until the database answers again. */
  get paused(): boolean {
    return this.holding;
  }

  /** Pauses `handle` and starts probing, unless a pause is already under way. */
  begin(handle: ConsumerHandle, reason: unknown): void {
    if (this.loop) {
      // The loop is past its last probe and resuming: without this the new outage would go unpaused.
      if (!this.holding && !this.stopper?.signal.aborted) {
        this.holding = true;
        this.reportedWhileResuming = { handle, reason };
      }
      return;
    }
    this.holding = true;
    const stopper = new AbortController();
    this.stopper = stopper;
    this.loop = this.pauseUntilAnswered(handle, reason, stopper.signal).finally(() => {
      this.loop = undefined;
      this.stopper = undefined;
      this.holding = false;
      const again = this.reportedWhileResuming;
      this.reportedWhileResuming = undefined;
      if (again && !stopper.signal.aborted) this.begin(again.handle, again.reason);
    });
  }

  /** Whether the database answers within the probe deadline. */
  databaseAnswers(): Promise<boolean> {
    const answered = this.probe().then(
      () => true,
      () => false,
    );
    return withDeadline(answered, this.options.probeTimeoutMs, () => false);
  }

  /** Ends the probe loop without resuming (the consumer is being stopped). */
  async stop(): Promise<void> {
    this.stopper?.abort();
    await this.loop;
  }

  private async pauseUntilAnswered(handle: ConsumerHandle, reason: unknown, stopped: AbortSignal): Promise<void> {
    const since = Date.now();
    this.metrics.consumerPaused.set(1);
    this.metrics.consumerPauses.inc();
    this.logger.warn({ err: reason }, 'consumer paused: database unreachable');
    try {
      await handle.pause().catch((error: unknown) => {
        // Deliveries keep arriving then, and keep going back uncounted: wasteful, not harmful.
        this.logger.error({ err: error }, 'consumer could not pause its subscription');
      });
      let delayMs = this.options.initialDelayMs;
      let probes = 0;
      for (;;) {
        await sleep(delayMs, stopped);
        if (stopped.aborted) return;
        probes++;
        if (await this.databaseAnswers()) break;
        delayMs = Math.min(delayMs * 2, this.options.maxDelayMs);
      }
      if (stopped.aborted) return;
      // Deliveries arriving from the resumed subscription must not be turned away as "paused".
      this.holding = false;
      await handle.resume().catch((error: unknown) => {
        this.logger.error({ err: error }, 'consumer could not resume its subscription');
      });
      this.logger.info({ pausedMs: Date.now() - since, probes }, 'consumer resumed');
    } finally {
      this.metrics.consumerPaused.set(0);
    }
  }
}
