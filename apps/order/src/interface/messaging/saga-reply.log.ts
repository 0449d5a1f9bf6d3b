import type { Logger } from '@shop/observability';
import type { SagaReplyResult } from '../../application/commands/saga-reply.js';

/**
 * One line per coupon or points reply, by what it did to the order (`what` names the reply: 'coupon
 * reserved', …). A reply the order had decided without (late or repeated) is ordinary in an at-least-once
 * saga. One naming another coupon, or other points, than the order asked for means the two contexts
 * disagree: logged at error with both sides, and dropped (retrying cannot help). So is one for an order
 * never placed here, at warn.
 */
export function logSagaReply(logger: Logger, result: SagaReplyResult, fields: Record<string, unknown>, what: string): void {
  if (result.outcome === 'unknown-order') {
    logger.warn(fields, `${what} for an order never placed here: ignored`);
    return;
  }
  const { status } = result;
  switch (result.outcome) {
    case 'awaiting-other':
      logger.info({ ...fields, status }, `${what}: the order waits for its other reservation`);
      return;
    case 'awaiting-payment':
      logger.info({ ...fields, status }, `${what}: every reservation is in, the order awaits payment`);
      return;
    case 'cancelled':
      logger.info({ ...fields, status }, `${what}: the order is cancelled`);
      return;
    case 'ignored':
      if (result.mismatch) {
        const { field, expected, received } = result.mismatch;
        logger.error(
          { ...fields, status, field, expected, received },
          `${what} naming another ${field} than the order's: nothing changed; the order and its participant disagree`,
        );
      } else logger.info({ ...fields, status }, `${what} after the order was decided (late or repeated): nothing changed`);
      return;
  }
}
