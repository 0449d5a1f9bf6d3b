import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { CouponReservedV1, type EventEnvelope } from '@shop/contracts';
import { HandlesEvent } from '@shop/messaging';
import { LOGGER, type Logger } from '@shop/observability';
import { canonicalId } from '@shop/shared-kernel';
import { RecordCouponReplyHandler } from '../../application/commands/record-coupon-reply/record-coupon-reply.handler.js';
import { logSagaReply } from './saga-reply.log.js';

/**
 * The saga's step 4 for the coupon (DESIGN.md section 6): the order's coupon is locked to it with its
 * discount. Once every reservation it waits for is in, the order awaits payment (or is cancelled
 * POINTS_EXCEED_PAYABLE when the discount and the points together pass the subtotal). A reply after the
 * decision, or twice, changes nothing: a coupon locked to a cancelled order is released by the coupon
 * context on order.cancelled.v1, not here.
 */
@Controller()
export class AdvanceCheckoutOnCouponReserved {
  constructor(
    private readonly recordCouponReply: RecordCouponReplyHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandlesEvent(CouponReservedV1, 'advance-checkout-on-coupon-reserved')
  async handle(@Payload() envelope: EventEnvelope<CouponReservedV1>): Promise<void> {
    const { payload } = envelope;
    const orderId = canonicalId(payload.orderId);
    const couponId = canonicalId(payload.couponId);
    const result = await this.recordCouponReply.execute({ orderId, reply: { kind: 'reserved', couponId, discount: payload.discount } });
    logSagaReply(this.logger, result, { orderId, couponId, discount: payload.discount }, 'coupon reserved');
  }
}
