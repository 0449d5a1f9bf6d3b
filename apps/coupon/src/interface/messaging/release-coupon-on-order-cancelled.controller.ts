import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OrderCancelledV1, type EventEnvelope } from '@shop/contracts';
import { HandlesEvent } from '@shop/messaging';
import { LOGGER, type Logger } from '@shop/observability';
import { ReleaseCouponForOrderHandler } from '../../application/commands/release-coupon-for-order/release-coupon-for-order.handler.js';
import { canonicalId } from '@shop/shared-kernel';

/**
 * The saga's *cancel*: the coupon locked to a cancelled order is the customer's to use again. A
 * cancellation that overtakes its placement leaves a tombstone, so the placement is refused when it
 * comes (no coupon hangs locked to a dead order).
 *
 * The reservation is looked up by order id whatever the event's `couponId` says (one primary-key
 * read): an event naming no coupon for an order whose coupon was reserved must still release it, or
 * the coupon stays LOCKED for ever. An order cancelled with no coupon and never seen here gets a
 * tombstone too: should a placement with a coupon still come for it, it is refused.
 */
@Controller()
export class ReleaseCouponOnOrderCancelled {
  constructor(
    private readonly releaseCoupon: ReleaseCouponForOrderHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandlesEvent(OrderCancelledV1, 'release-coupon-on-order-cancelled')
  async handle(@Payload() envelope: EventEnvelope<OrderCancelledV1>): Promise<void> {
    const orderId = canonicalId(envelope.payload.orderId);
    const couponId = envelope.payload.couponId && canonicalId(envelope.payload.couponId);
    const result = await this.releaseCoupon.execute({ orderId });
    if (result.outcome === 'released') {
      // The order side and this side disagree about the order's coupon: released all the same (the reservation is what was locked).
      if (couponId === null) this.logger.warn({ orderId }, 'order cancelled naming no coupon, but a coupon was reserved for it: released');
    } else if (result.outcome === 'tombstoned') {
      if (couponId === null)
        this.logger.debug({ orderId }, 'order without a coupon cancelled: tombstone recorded, a late placement with a coupon will be rejected');
      else this.logger.info({ orderId, couponId }, 'order cancelled before its placement was seen: tombstone recorded, a late placement will be rejected');
    } else {
      // A repeat (another delivery, possibly under another event id), or a reservation that never held the coupon.
      this.logger[couponId === null ? 'debug' : 'info'](
        { orderId, couponId, status: result.status },
        'order cancelled: its coupon reservation holds nothing to release',
      );
    }
  }
}
