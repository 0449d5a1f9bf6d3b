import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OrderPaidV1, type EventEnvelope } from '@shop/contracts';
import { HandlesEvent } from '@shop/messaging';
import { LOGGER, type Logger } from '@shop/observability';
import { canonicalId } from '@shop/shared-kernel';
import { ConfirmPointsForOrderHandler } from '../../application/commands/confirm-points-for-order/confirm-points-for-order.handler.js';

/**
 * The saga's *confirm*, for every paid order: the points frozen for it are spent, and the payment earns
 * one point per full yuan (an order that used no points earns too). A payment that overtook the
 * placement of an order using points fails on purpose (`SagaStepOutOfOrderError`, logged by the event
 * consumer as any failure): the delivery is retried with backoff until the placement has been handled.
 */
@Controller()
export class ConfirmPointsOnOrderPaid {
  constructor(
    private readonly confirmPoints: ConfirmPointsForOrderHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandlesEvent(OrderPaidV1, 'confirm-points-on-order-paid')
  async handle(@Payload() envelope: EventEnvelope<OrderPaidV1>): Promise<void> {
    const { payload } = envelope;
    const orderId = canonicalId(payload.orderId);
    const userId = canonicalId(payload.userId);
    const result = await this.confirmPoints.execute({ orderId, userId, pointsToUse: payload.pointsToUse, amountPaid: payload.amountPaid });
    if (result.outcome === 'confirmed') {
      this.logger.info({ orderId, userId, spent: result.spent, earned: result.earned }, 'order paid: points spent and earned');
    } else if (result.outcome === 'already-confirmed') {
      this.logger.info({ orderId, status: result.status }, 'order paid again: its points were confirmed before, nothing changed');
    } else {
      // The order says paid, yet its points were refused, released or cancelled here, or reserved for another user or amount:
      // the two sides disagree, retrying cannot help.
      const { status, problem, recorded } = result;
      this.logger.error(
        { orderId, userId, pointsToUse: payload.pointsToUse, status, reservedFor: recorded.userId, reservedPoints: recorded.points, problem },
        'order paid, but its points are not reserved for it as paid: nothing spent, nothing earned; the order and points contexts disagree',
      );
    }
  }
}
