import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { CouponReservationRejectedV1, type EventEnvelope } from '@shop/contracts';
import { HandlesEvent } from '@shop/messaging';
import { LOGGER, type Logger } from '@shop/observability';
import { canonicalId } from '@shop/shared-kernel';
import { RecordCouponReplyHandler } from '../../application/commands/record-coupon-reply/record-coupon-reply.handler.js';
import { logSagaReply } from './saga-reply.log.js';

/**
 * The saga's compensation for the coupon: an order whose coupon cannot be used for it is cancelled with
 * the reason `COUPON_<reason>` (COUPON_EXPIRED, COUPON_NOT_OWNER, …), and order.cancelled.v1 has the
 * points context release what it froze. A rejection after the decision, or twice, changes nothing.
 */
@Controller()
export class CancelOrderOnCouponRejected {
  constructor(
    private readonly recordCouponReply: RecordCouponReplyHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandlesEvent(CouponReservationRejectedV1, 'cancel-order-on-coupon-rejected')
  async handle(@Payload() envelope: EventEnvelope<CouponReservationRejectedV1>): Promise<void> {
    const { payload } = envelope;
    const orderId = canonicalId(payload.orderId);
    const couponId = canonicalId(payload.couponId);
    const result = await this.recordCouponReply.execute({ orderId, reply: { kind: 'rejected', couponId, reason: payload.reason } });
    logSagaReply(this.logger, result, { orderId, couponId, reason: payload.reason }, 'coupon reservation rejected');
  }
}
