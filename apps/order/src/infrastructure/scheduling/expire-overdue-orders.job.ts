import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, type Logger } from '@shop/observability';
import { JobLeaseLostError, type JobRun, type ScheduledJob } from '@shop/scheduler';
import { ExpireOverdueOrdersHandler } from '../../application/commands/expire-overdue-orders/expire-overdue-orders.handler.js';
import { ORDER_CONFIG, type OrderConfig } from '../order.config.js';

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
 */
@Injectable()
export class ExpireOverdueOrdersJob implements ScheduledJob {
  readonly name = 'order.expire-overdue';
  readonly intervalMs: number;
  readonly batchSize: number;

  constructor(
    private readonly expireOverdue: ExpireOverdueOrdersHandler,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(ORDER_CONFIG) config: OrderConfig,
  ) {
    this.intervalMs = config.timeoutScanIntervalMs;
    this.batchSize = config.timeoutBatchSize;
  }

  async run(run: JobRun): Promise<number> {
    const due = await this.expireOverdue.overdue(run.batchSize);
    let handled = 0;
    for (const orderId of due) {
      if (run.signal.aborted) break;
      try {
        const outcome = await run.transaction(() => this.expireOverdue.expire(orderId));
        if (outcome === 'cancelled') this.logger.info({ orderId }, 'order cancelled: its reservations or its payment did not come in time');
        handled++;
      } catch (error) {
        // Another instance holds the job now: it takes over the rest.
        if (error instanceof JobLeaseLostError) throw error;
        // Left due: the next run tries it again. Not counted, so that a batch of failures waits an interval instead of spinning.
        this.logger.warn({ orderId, err: error }, 'order timeout: cancelling an overdue order failed; retried on the next run');
      }
    }
    return handled;
  }
}
