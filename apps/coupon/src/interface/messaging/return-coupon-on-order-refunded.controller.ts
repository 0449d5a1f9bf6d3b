import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OrderRefundedV1, type EventEnvelope } from '@shop/contracts';
import { HandlesEvent } from '@shop/messaging';
import { LOGGER, type Logger } from '@shop/observability';
import { ReturnCouponAfterRefundHandler } from '../../application/commands/return-coupon-after-refund/return-coupon-after-refund.handler.js';
import { canonicalId } from '@shop/shared-kernel';

/**
 * A refunded order gives its coupon back: AVAILABLE while its window lasts, else EXPIRED. Looked up by
 * order id whatever the event's `couponId` says (one primary-key read): the reservation, not the
 * event, knows which coupon the order used.
 */
@Controller()
export class ReturnCouponOnOrderRefunded {
  constructor(
    private readonly returnCoupon: ReturnCouponAfterRefundHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandlesEvent(OrderRefundedV1, 'return-coupon-on-order-refunded')
  async handle(@Payload() envelope: EventEnvelope<OrderRefundedV1>): Promise<void> {
    const orderId = canonicalId(envelope.payload.orderId);
    const couponId = envelope.payload.couponId && canonicalId(envelope.payload.couponId);
    const result = await this.returnCoupon.execute({ orderId });
    if (result.outcome === 'ignored' && result.status === 'REFUNDED') {
      // The same refund again (another delivery, possibly under another event id): ordinary.
      this.logger.info({ orderId, couponId, status: result.status }, 'order refunded again: its coupon was returned already, nothing to do');
    } else if (result.outcome === 'ignored' && couponId === null) {
      // An order without a coupon, as most are.
      this.logger.debug({ orderId, status: result.status }, 'order refunded without a coupon: nothing to return');
    } else if (result.outcome === 'ignored') {
      this.logger.warn({ orderId, couponId, status: result.status }, 'order refunded, but its coupon was not used by it: nothing returned');
    } else if (couponId === null) {
      this.logger.warn({ orderId, couponStatus: result.couponStatus }, 'order refunded naming no coupon, but a coupon was used by it: returned');
    } else {
      this.logger.info({ orderId, couponId, couponStatus: result.couponStatus }, 'coupon returned after refund');
    }
  }
}
