import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { LOGGER, type Logger } from '@shop/observability';
import { settlesWithin } from '@shop/shared-kernel';
import { RequestRefundHandler } from '../../application/commands/request-refund/request-refund.handler.js';

/** How long the stop waits for the refunds' first tries still running. */
export const DRAIN_GRACE_MS = 5_000;

/**
 * At the service's stop, waits (a bounded while) for the one provider call a use case starts after its commit
 * and does not wait for: a refund's first try, started once `order.refund-requested.v1` is handled. Before the
 * data source closes (`onApplicationShutdown`), so that its outcome is still written; one cut short is left
 * as it stands (REFUNDING, due: the refund retries take it over). POST /payments waits for its provider call
 * (bounded by PAYMENT_PROVIDER_TIMEOUT), so there is nothing of it to drain.
 */
@Injectable()
export class DetachedProviderCallsDrain implements BeforeApplicationShutdown {
  constructor(
    @Inject(RequestRefundHandler) private readonly requestRefund: Pick<RequestRefundHandler, 'settled'>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    if (!(await settlesWithin(this.requestRefund.settled(), DRAIN_GRACE_MS)))
      this.logger.warn({ graceMs: DRAIN_GRACE_MS }, 'payment: refunds’ first tries still running at the stop; the refund retries take them over');
  }
}
