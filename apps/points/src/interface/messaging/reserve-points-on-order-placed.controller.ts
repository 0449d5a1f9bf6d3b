import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OrderPlacedV1, type EventEnvelope } from '@shop/contracts';
import { HandlesEvent } from '@shop/messaging';
import { LOGGER, type Logger } from '@shop/observability';
import { canonicalId } from '@shop/shared-kernel';
import { ReservePointsForOrderHandler } from '../../application/commands/reserve-points-for-order/reserve-points-for-order.handler.js';

/**
 * The saga's *try* (DESIGN.md section 6): an order placed with points gets them frozen and
 * `points.reserved.v1`, or `points.reservation-rejected.v1` with the reason (INSUFFICIENT_POINTS, or
 * ORDER_CANCELLED after a tombstone). Runs behind the inbox, in the consumer's transaction, so the
 * answer event commits with the freeze.
 */
@Controller()
export class ReservePointsOnOrderPlaced {
  constructor(
    private readonly reservePoints: ReservePointsForOrderHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandlesEvent(OrderPlacedV1, 'reserve-points-on-order-placed')
  async handle(@Payload() envelope: EventEnvelope<OrderPlacedV1>): Promise<void> {
    const { payload } = envelope;
    // An order that uses no points has nothing to freeze here, and the order service waits for no answer.
    if (payload.pointsToUse === 0) return;
    const orderId = canonicalId(payload.orderId);
    const userId = canonicalId(payload.userId);
    const result = await this.reservePoints.execute({ orderId, userId, points: payload.pointsToUse });
    if (result.outcome === 'already-decided' && !result.agrees) {
      const { status, recorded } = result;
      const fields = { orderId, userId, pointsToUse: payload.pointsToUse, status, decidedFor: recorded.userId, decidedPoints: recorded.points };
      // Paid without points here, so no answer will ever be sent for this placement: the order side waits for one in vain.
      if ((status === 'PAID' || status === 'REFUNDED') && recorded.points === 0)
        this.logger.error(
          fields,
          'order placed with points after it was paid without any: nothing reserved, no answer sent; the order and points contexts disagree',
        );
      else
        this.logger.error(
          fields,
          'order placed again naming another user or amount than decided before: nothing changed; the order and points contexts disagree',
        );
    } else if (result.outcome === 'already-decided') {
      this.logger.info({ orderId, status: result.status }, 'order placement seen again: its points were decided before, nothing changed');
    } else if (result.outcome === 'rejected') {
      this.logger.info({ orderId, userId, points: payload.pointsToUse, reason: result.reason }, 'points reservation rejected');
    }
  }
}
