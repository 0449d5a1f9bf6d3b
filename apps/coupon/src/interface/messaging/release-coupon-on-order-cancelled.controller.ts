import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OrderCancelledV1, type EventEnvelope } from '@shop/contracts';
import { HandlesEvent } from '@shop/messaging';
import { LOGGER, type Logger } from '@shop/observability';
import { ReleaseCouponForOrderHandler } from '../../application/commands/release-coupon-for-order/release-coupon-for-order.handler.js';

/**
 * The saga's *cancel*: the coupon locked to a cancelled order is the customer's to use again. A
 * cancellation that overtakes its placement leaves a tombstone, so the placement is refused when it
 * comes (no coupon hangs locked to a dead order).
 */
@Controller()
export class ReleaseCouponOnOrderCancelled {
  constructor(
    private readonly releaseCoupon: ReleaseCouponForOrderHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandlesEvent(OrderCancelledV1, 'release-coupon-on-order-cancelled')
  async handle(@Payload() envelope: EventEnvelope<OrderCancelledV1>): Promise<void> {
    const { orderId, couponId } = envelope.payload;
    if (couponId === null) return;
    const result = await this.releaseCoupon.execute({ orderId });
    if (result.outcome === 'tombstoned') {
      this.logger.info({ orderId, couponId }, 'order cancelled before its placement was seen: tombstone recorded, a late placement will be rejected');
    } else if (result.outcome === 'nothing-to-release') {
      this.logger.info({ orderId, couponId, status: result.status }, 'order cancelled: its coupon reservation holds nothing to release');
    }
  }
}
