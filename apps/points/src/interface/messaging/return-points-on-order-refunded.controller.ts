import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OrderRefundedV1, type EventEnvelope } from '@shop/contracts';
import { HandlesEvent } from '@shop/messaging';
import { LOGGER, type Logger } from '@shop/observability';
import { canonicalId } from '@shop/shared-kernel';
import { ReturnPointsForRefundedOrderHandler } from '../../application/commands/return-points-for-refunded-order/return-points-for-refunded-order.handler.js';

/**
 * A refunded order gives back the points it spent (REFUND) and takes back those it earned (CLAWBACK),
 * never below zero: what is no longer available becomes a DEBT, settled from later credits. A refund
 * that overtook the order's payment fails on purpose (`SagaStepOutOfOrderError`, logged by the event
 * consumer as any failure): the delivery is retried with backoff until the payment has been handled
 * (only the payment says what was spent and earned).
 */
@Controller()
export class ReturnPointsOnOrderRefunded {
  constructor(
    private readonly returnPoints: ReturnPointsForRefundedOrderHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandlesEvent(OrderRefundedV1, 'return-points-on-order-refunded')
  async handle(@Payload() envelope: EventEnvelope<OrderRefundedV1>): Promise<void> {
    const { payload } = envelope;
    const orderId = canonicalId(payload.orderId);
    const userId = canonicalId(payload.userId);
    const result = await this.returnPoints.execute({ orderId, userId, pointsToUse: payload.pointsToUse });
    if (result.outcome === 'returned') {
      const { returned, clawedBack, debt } = result;
      // A debt is the rules working (the points were spent elsewhere meanwhile), but worth a line of its own.
      if (debt > 0)
        this.logger.info({ orderId, userId, returned, clawedBack, debt }, 'order refunded: earned points partly spent already, the rest recorded as debt');
      else this.logger.info({ orderId, userId, returned, clawedBack }, 'order refunded: spent points returned, earned points clawed back');
    } else if (result.outcome === 'already-returned') {
      this.logger.info({ orderId }, 'order refunded again: its points were returned before, nothing changed');
    } else {
      // An order whose points were refused, released or cancelled: it never spent any here.
      this.logger.info({ orderId, status: result.status }, 'order refunded: it held no points here, nothing to return');
    }
  }
}
