import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OrderCancelledV1, type EventEnvelope } from '@shop/contracts';
import { HandlesEvent } from '@shop/messaging';
import { LOGGER, type Logger } from '@shop/observability';
import { canonicalId } from '@shop/shared-kernel';
import { ReleasePointsForOrderHandler } from '../../application/commands/release-points-for-order/release-points-for-order.handler.js';

/**
 * The saga's *cancel*: the points frozen for a cancelled order are available again. A cancellation
 * that overtakes its placement leaves a tombstone, so the placement is refused when it comes
 * (ORDER_CANCELLED: no points hang frozen for a dead order). An order that used no points is none of
 * this context's business: no row, no tombstone (its placement reserves nothing either).
 */
@Controller()
export class ReleasePointsOnOrderCancelled {
  constructor(
    private readonly releasePoints: ReleasePointsForOrderHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandlesEvent(OrderCancelledV1, 'release-points-on-order-cancelled')
  async handle(@Payload() envelope: EventEnvelope<OrderCancelledV1>): Promise<void> {
    if (envelope.payload.pointsToUse === 0) return;
    const orderId = canonicalId(envelope.payload.orderId);
    const result = await this.releasePoints.execute({ orderId });
    if (result.outcome === 'released') {
      this.logger.info({ orderId, points: result.points }, 'order cancelled: its frozen points are available again');
    } else if (result.outcome === 'tombstoned') {
      this.logger.info({ orderId }, 'order cancelled before its placement was seen: tombstone recorded, a late placement will be rejected');
    } else {
      // A repeat (another delivery, possibly under another event id), or an order whose points were never frozen.
      this.logger.info({ orderId, status: result.status }, 'order cancelled: nothing frozen for it to release');
    }
  }
}
