import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, type Logger } from '@shop/observability';
import type { JobRun, ScheduledJob } from '@shop/scheduler';
import { DomainError, type Clock } from '@shop/shared-kernel';
import { ReconcilePendingPaymentsHandler } from '../../application/commands/reconcile-pending-payments/reconcile-pending-payments.handler.js';
import { PAYMENT_CLOCK } from '../../application/payment.di-tokens.js';
import { PAYMENT_CONFIG, type PaymentConfig } from '../payment.config.js';

/** Payments asked about per run: each is one to three provider calls (each bounded by PAYMENT_PROVIDER_TIMEOUT). */
export const RECONCILE_BATCH_SIZE = 50;
/** A run's deadline: a batch of slow provider answers may not fit; the run's signal bounds it (no further payment is started past it). */
const RECONCILE_TIMEOUT_MS = 2 * 60_000;
/** A payment whose reconciliation failed is skipped for 30 s, then 1 min, 2 min, … */
export const FIRST_RETRY_DELAY_MS = 30_000;
/** … at most 30 min: a failure that heals (the provider back) is picked up soon enough. */
export const MAX_RETRY_DELAY_MS = 30 * 60_000;
/** What the provider said that no retry changes: someone has to look. */
const MISMATCH_CODES = new Set(['AMOUNT_MISMATCH', 'CURRENCY_MISMATCH']);

interface Backoff {
  /** Not tried again before this instant (epoch ms of the clock). */
  readonly retryAt: number;
  readonly delayMs: number;
}

/**
 * `payment.reconcile-pending`: every `PAYMENT_RECONCILE_INTERVAL`, one instance at a time across the
 * service's instances (the scheduler's lease), runs `ReconcilePendingPaymentsHandler` (the one
 * reconciliation: it lists the payments PENDING past `PAYMENT_RECONCILE_AFTER`, oldest first, at most
 * `RECONCILE_BATCH_SIZE`, asks the provider and settles each), and keeps only what is the job's own: which
 * payments to leave out for a while, and the log. A run that settled a full batch runs again at once;
 * payments still pending at the provider do not count, so a backlog of them waits an interval instead of spinning.
 *
 * The use case calls the provider outside any transaction and settles each payment in a transaction of
 * its own with its row locked and re-read: a callback that gets in first wins, the rest is a duplicate. So
 * this job does not need the lease-checked `JobRun.transaction`: a run overrunning its lease beside the
 * next holder's asks the provider twice (idempotent) and applies one outcome.
 *
 * A payment whose reconciliation fails (the provider failing or not answering within
 * `PAYMENT_PROVIDER_TIMEOUT`, the store, or the provider reporting another amount or currency: logged at
 * error, someone must look) is left out (`skip`) for a while, the delay doubling up to `MAX_RETRY_DELAY_MS`:
 * the list is oldest first, and a batch of payments that keep failing would otherwise come first on every
 * run and starve every later one. The backoff is this process's own.
 */
@Injectable()
export class ReconcilePendingPaymentsJob implements ScheduledJob {
  readonly name = 'payment.reconcile-pending';
  readonly intervalMs: number;
  readonly batchSize = RECONCILE_BATCH_SIZE;
  readonly timeoutMs = RECONCILE_TIMEOUT_MS;
  private readonly backoff = new Map<string, Backoff>();

  constructor(
    private readonly reconciliation: ReconcilePendingPaymentsHandler,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PAYMENT_CONFIG) config: PaymentConfig,
    @Inject(PAYMENT_CLOCK) private readonly clock: Clock,
  ) {
    this.intervalMs = config.reconcileIntervalMs;
  }

  async run(run: JobRun): Promise<number> {
    const now = this.clock.now().getTime();
    const skip = new Set([...this.backoff].filter(([, backoff]) => backoff.retryAt > now).map(([paymentId]) => paymentId));
    const { outcomes, errors, complete } = await this.reconciliation.execute({ limit: run.batchSize, skip, signal: run.signal });
    let settled = 0;
    for (const { paymentId, outcome } of outcomes) {
      this.backoff.delete(paymentId);
      if (outcome === 'pending') continue;
      settled++;
      if (outcome === 'succeeded') this.logger.info({ paymentId }, 'payment reconciled: the provider took the money (its callback did not come)');
      else if (outcome === 'failed') this.logger.info({ paymentId }, 'payment reconciled: the provider declined it (its callback did not come)');
      else if (outcome === 'expired') this.logger.info({ paymentId }, 'payment reconciled: unknown to the provider or not paid in time, cancelled there');
    }
    for (const { paymentId, error } of errors) {
      const retryDelayMs = this.failed(paymentId);
      if (error instanceof DomainError && MISMATCH_CODES.has(error.code))
        this.logger.error(
          { paymentId, code: error.code, details: error.details, retryDelayMs },
          'payment reconciliation: the provider reports another amount or currency than the payment’s; nothing changed, someone has to look',
        );
      else
        this.logger.warn({ paymentId, retryDelayMs, err: error }, 'payment reconciliation: asking the provider or settling failed; skipped, then tried again');
    }
    // Every stuck payment outside `skip` was looked at: one backed off, neither skipped nor failing now, is not stuck any more.
    if (complete) {
      const failing = new Set(errors.map((failure) => failure.paymentId));
      for (const paymentId of [...this.backoff.keys()]) if (!skip.has(paymentId) && !failing.has(paymentId)) this.backoff.delete(paymentId);
    }
    return settled;
  }

  /** Records a failure of `paymentId` and answers how long it is left out. */
  private failed(paymentId: string): number {
    const previous = this.backoff.get(paymentId);
    const delayMs = previous ? Math.min(previous.delayMs * 2, MAX_RETRY_DELAY_MS) : FIRST_RETRY_DELAY_MS;
    this.backoff.set(paymentId, { retryAt: this.clock.now().getTime() + delayMs, delayMs });
    return delayMs;
  }

  /** How many payments this process is leaving out for now or later (for the specs). */
  get backedOff(): number {
    return this.backoff.size;
  }
}
