import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OrderPaidV1, type EventEnvelope } from '@shop/contracts';
import { HandlesEvent } from '@shop/messaging';
import { LOGGER, type Logger } from '@shop/observability';
import { ConfirmCouponUseHandler } from '../../application/commands/confirm-coupon-use/confirm-coupon-use.handler.js';
import { canonicalId } from '@shop/shared-kernel';

/**
 * The saga's *confirm*: the paid order's coupon is USED. Looked up by order id whatever the event's
 * `couponId` says (one primary-key read): the reservation, not the event, knows which coupon the order holds.
 */
@Controller()
export class UseCouponOnOrderPaid {
  constructor(
    private readonly confirmCouponUse: ConfirmCouponUseHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandlesEvent(OrderPaidV1, 'use-coupon-on-order-paid')
  async handle(@Payload() envelope: EventEnvelope<OrderPaidV1>): Promise<void> {
    const orderId = canonicalId(envelope.payload.orderId);
    const couponId = envelope.payload.couponId && canonicalId(envelope.payload.couponId);
    const result = await this.confirmCouponUse.execute({ orderId });
    if (result.outcome !== 'ignored') {
      if (couponId === null) this.logger.warn({ orderId }, 'order paid naming no coupon, but a coupon was reserved for it: its use is confirmed');
      return;
    }
    // The same payment again (another delivery, possibly under another event id), or after the refund that confirmed it on its way: ordinary.
    if (result.status === 'CONFIRMED' || result.status === 'REFUNDED') {
      this.logger.info({ orderId, couponId, status: result.status }, 'order paid again: its coupon use was confirmed already, nothing to do');
    } else if (couponId === null) {
      // An order without a coupon, as most are.
      this.logger.debug({ orderId, status: result.status }, 'order paid without a coupon: nothing to confirm');
    } else {
      // No reservation, or one released or rejected: a paid order whose coupon was never locked to it is worth seeing.
      this.logger.warn({ orderId, couponId, status: result.status }, 'order paid, but no coupon is reserved for it: nothing confirmed');
    }
  }
}
