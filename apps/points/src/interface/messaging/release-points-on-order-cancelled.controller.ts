import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OrderCancelledV1, type EventEnvelope } from '@shop/contracts';
import { HandlesEvent } from '@shop/messaging';
import { LOGGER, type Logger } from '@shop/observability';
import { canonicalId } from '@shop/shared-kernel';
import { ReleasePointsForOrderHandler } from '../../application/commands/release-points-for-order/release-points-for-order.handler.js';

/**
 * The saga's *cancel*: the points frozen for a cancelled order are available again, whatever
 * `pointsToUse` the cancellation says (points frozen for the order are never left hanging). A
 * cancellation that overtakes the placement of an order using points leaves a tombstone, so the
 * placement is refused when it comes (ORDER_CANCELLED: no points hang frozen for a dead order); one of
 * an order never seen that used none leaves nothing (its placement reserves nothing either).
 */
@Controller()
export class ReleasePointsOnOrderCancelled {
  constructor(
    private readonly releasePoints: ReleasePointsForOrderHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandlesEvent(OrderCancelledV1, 'release-points-on-order-cancelled')
  async handle(@Payload() envelope: EventEnvelope<OrderCancelledV1>): Promise<void> {
    const { payload } = envelope;
    const orderId = canonicalId(payload.orderId);
    const result = await this.releasePoints.execute({ orderId, pointsToUse: payload.pointsToUse });
    if (result.outcome === 'released') {
      this.logger.info({ orderId, points: result.points }, 'order cancelled: its frozen points are available again');
    } else if (result.outcome === 'tombstoned') {
      this.logger.info({ orderId }, 'order cancelled before its placement was seen: tombstone recorded, a late placement will be rejected');
    } else if (result.outcome === 'not-seen') {
      // Most cancellations: of orders that used no points. Said on each, so only at debug.
      this.logger.debug({ orderId }, 'order cancelled: it used no points and none are held for it');
    } else if (result.outcome === 'nothing-to-release') {
      // A repeat (another delivery, possibly under another event id), or an order whose points were never frozen.
      this.logger.info({ orderId, status: result.status }, 'order cancelled: nothing frozen for it to release');
    } else {
      // Paid or refunded here, yet cancelled there: the two sides disagree, retrying cannot help.
      const { status, problem, recorded } = result;
      this.logger.error(
        {
          orderId,
          userId: canonicalId(payload.userId),
          pointsToUse: payload.pointsToUse,
          status,
          reservedFor: recorded.userId,
          reservedPoints: recorded.points,
          problem,
        },
        'order cancelled, but its points were spent already: nothing released; the order and points contexts disagree',
      );
    }
  }
}
