import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, type Logger } from '@shop/observability';
import { JobLeaseLostError, type JobRun, type ScheduledJob } from '@shop/scheduler';
import type { Clock } from '@shop/shared-kernel';
import { ExpireOverdueOrdersHandler } from '../../application/commands/expire-overdue-orders/expire-overdue-orders.handler.js';
import { ORDER_CLOCK } from '../../application/order.di-tokens.js';
import { ORDER_CONFIG, type OrderConfig } from '../order.config.js';

/** A failed order is skipped for a second, then two, four, … */
export const FIRST_RETRY_DELAY_MS = 1_000;
/** … at most five minutes: a failure that heals is picked up soon enough. */
export const MAX_RETRY_DELAY_MS = 5 * 60_000;

interface Backoff {
  /** Not tried again before this instant (epoch ms of the clock). */
  readonly retryAt: number;
  readonly delayMs: number;
}

/**
 * `order.expire-overdue`: every `ORDER_TIMEOUT_SCAN_INTERVAL_MS`, one instance at a time across the
 * service's instances (the scheduler's lease), cancels the PENDING orders past their reservation
 * deadline (RESERVATION_TIMEOUT) and the AWAITING_PAYMENT ones past their payment deadline
 * (PAYMENT_TIMEOUT), oldest due first, at most `ORDER_TIMEOUT_BATCH_SIZE` per run; a full batch runs
 * again at once.
 *
 * Each order is cancelled in a transaction of its own that commits only while this instance still
 * holds the lease (`JobRun.transaction`): one order's failure never undoes the others, and a reply or a
 * payment that got there first (the row is locked and re-read, the aggregate decides) leaves it 'not-due'.
 *
 * An order whose cancelling fails is skipped for a while, the delay doubling on each failure up to
 * `MAX_RETRY_DELAY_MS`: the list is oldest due first, so a batch of orders that keep failing would
 * otherwise come first on every run and no later order would ever expire. The run asks for a batch
 * plus the skipped ones and leaves those out. The backoff is this process's own (another instance
 * taking the lease tries them once before skipping them too) and forgets an order once it is cancelled
 * or no longer overdue.
 */
@Injectable()
export class ExpireOverdueOrdersJob implements ScheduledJob {
  readonly name = 'order.expire-overdue';
  readonly intervalMs: number;
  readonly batchSize: number;
  private readonly backoff = new Map<string, Backoff>();

  constructor(
    private readonly expireOverdue: ExpireOverdueOrdersHandler,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(ORDER_CONFIG) config: OrderConfig,
    @Inject(ORDER_CLOCK) private readonly clock: Clock,
  ) {
    this.intervalMs = config.timeoutScanIntervalMs;
    this.batchSize = config.timeoutBatchSize;
  }

  async run(run: JobRun): Promise<number> {
    const now = this.clock.now().getTime();
    const skipped = new Set([...this.backoff].filter(([, backoff]) => backoff.retryAt > now).map(([orderId]) => orderId));
    const limit = run.batchSize + skipped.size;
    const listed = await this.expireOverdue.overdue(limit);
    // Fewer than asked for: that is every overdue order, so the others failed before and are overdue no more.
    if (listed.length < limit) {
      const overdue = new Set(listed);
      for (const orderId of this.backoff.keys()) if (!overdue.has(orderId)) this.backoff.delete(orderId);
    }
    const due = listed.filter((orderId) => !skipped.has(orderId)).slice(0, run.batchSize);
    let handled = 0;
    for (const orderId of due) {
      if (run.signal.aborted) break;
      try {
        const outcome = await run.transaction(() => this.expireOverdue.expire(orderId));
        this.backoff.delete(orderId);
        if (outcome === 'cancelled') this.logger.info({ orderId }, 'order cancelled: its reservations or its payment did not come in time');
        handled++;
      } catch (error) {
        // Another instance holds the job now: it takes over the rest.
        if (error instanceof JobLeaseLostError) throw error;
        // Not counted, so that a batch of failures waits an interval instead of spinning.
        const retryDelayMs = this.failed(orderId);
        this.logger.warn({ orderId, retryDelayMs, err: error }, 'order timeout: cancelling an overdue order failed; skipped, then tried again');
      }
    }
    return handled;
  }

  /** Records a failure of `orderId` and answers how long it is skipped. */
  private failed(orderId: string): number {
    const previous = this.backoff.get(orderId);
    const delayMs = previous ? Math.min(previous.delayMs * 2, MAX_RETRY_DELAY_MS) : FIRST_RETRY_DELAY_MS;
    this.backoff.set(orderId, { retryAt: this.clock.now().getTime() + delayMs, delayMs });
    return delayMs;
  }
}
