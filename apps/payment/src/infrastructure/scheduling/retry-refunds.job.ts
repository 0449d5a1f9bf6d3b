import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, type Logger } from '@shop/observability';
import type { JobRun, ScheduledJob } from '@shop/scheduler';
import { RetryDueRefundsHandler } from '../../application/commands/retry-due-refunds/retry-due-refunds.handler.js';
import { PAYMENT_CONFIG, type PaymentConfig } from '../payment.config.js';

/** Refunds tried per run: each is a provider call. */
export const RETRY_REFUNDS_BATCH_SIZE = 50;
/** A run's deadline: a batch of slow provider answers may not fit; the run's signal bounds it (no further refund is started past it). */
const RETRY_REFUNDS_TIMEOUT_MS = 2 * 60_000;

/**
 * `payment.retry-refunds`: every `PAYMENT_REFUND_RETRY_INTERVAL`, one instance at a time across the
 * service's instances (the scheduler's lease), tries the refunds whose next try is due, the most overdue
 * first, at most `RETRY_REFUNDS_BATCH_SIZE` per run (`RetryDueRefundsHandler`). A refund the provider
 * refuses (or that fails) is put off in the payment itself (`refund.nextAttemptAt`: 5 s, then doubling up to
 * `PAYMENT_REFUND_BACKOFF_MAX`), tried forever, and shows in `GET /admin/payments?status=REFUNDING` with its
 * attempts and last error; an admin may make it due now (`POST /admin/payments/{id}/retry-refund`).
 *
 * Each try calls the provider outside any transaction and applies its answer with the payment locked and
 * re-read (the provider refunds idempotently on the refund id), so no lease-checked transaction is needed.
 * A full batch tried runs again at once: the refused ones are put off, so it never spins on them; a try
 * whose answer could not be recorded (the store failing) is not counted and stays due for the next run.
 */
@Injectable()
export class RetryRefundsJob implements ScheduledJob {
  readonly name = 'payment.retry-refunds';
  readonly intervalMs: number;
  readonly batchSize = RETRY_REFUNDS_BATCH_SIZE;
  readonly timeoutMs = RETRY_REFUNDS_TIMEOUT_MS;

  constructor(
    private readonly retryDueRefunds: RetryDueRefundsHandler,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PAYMENT_CONFIG) config: PaymentConfig,
  ) {
    this.intervalMs = config.refundRetryIntervalMs;
  }

  async run(run: JobRun): Promise<number> {
    const { tried, refunded, refused, errors } = await this.retryDueRefunds.execute({ limit: run.batchSize, signal: run.signal });
    for (const { paymentId, error } of errors)
      this.logger.warn({ paymentId, err: error }, 'refund retry: the provider’s answer could not be recorded; the refund stays due');
    if (refunded > 0) this.logger.info({ refunded, tried }, 'refund retry: refunds given back');
    if (refused > 0)
      this.logger.warn({ refused, tried }, 'refund retry: refunds refused or failed at the provider; tried again later (GET /admin/payments?status=REFUNDING)');
    return refunded + refused;
  }
}
