import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { LOGGER, type Logger } from '@shop/observability';
import { CreatePaymentHandler } from '../../application/commands/create-payment/create-payment.handler.js';
import { RequestRefundHandler } from '../../application/commands/request-refund/request-refund.handler.js';

/** How long the stop waits for provider calls started after a commit (a createPayment, a refund's first try). */
export const DRAIN_GRACE_MS = 5_000;

/**
 * At the service's stop, waits (a bounded while) for the provider calls the use cases started after a commit
 * and did not wait for: a payment opened at the provider after the Idempotency-Key's transaction, a refund's
 * first try after the consumer's. Before the data source closes (`onApplicationShutdown`), so that their
 * outcome is still written; one cut short is left as it stands (PENDING: reconciliation; REFUNDING: the retries).
 */
@Injectable()
export class DetachedProviderCallsDrain implements BeforeApplicationShutdown {
  constructor(
    private readonly createPayment: CreatePaymentHandler,
    private readonly requestRefund: RequestRefundHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const drained = Promise.allSettled([this.createPayment.settled(), this.requestRefund.settled()]).then(() => true);
    const cutShort = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), DRAIN_GRACE_MS)));
    const finished = await Promise.race([drained, cutShort]);
    clearTimeout(timer);
    if (!finished)
      this.logger.warn({ graceMs: DRAIN_GRACE_MS }, 'payment: provider calls still running at the stop; reconciliation and the refund retries take them over');
  }
}
