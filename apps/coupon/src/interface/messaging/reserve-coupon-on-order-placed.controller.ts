import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OrderPlacedV1, type EventEnvelope } from '@shop/contracts';
import { HandlesEvent } from '@shop/messaging';
import { LOGGER, type Logger } from '@shop/observability';
import { ReserveCouponForOrderHandler } from '../../application/commands/reserve-coupon-for-order/reserve-coupon-for-order.handler.js';
import { canonicalId } from '@shop/shared-kernel';

/**
 * The saga's *try* (DESIGN.md section 6): an order placed with a coupon gets it locked and
 * `coupon.reserved.v1`, or `coupon.reservation-rejected.v1` with the reason. Runs behind the inbox,
 * in the consumer's transaction, so the answer event commits with the lock.
 */
@Controller()
export class ReserveCouponOnOrderPlaced {
  constructor(
    private readonly reserveCoupon: ReserveCouponForOrderHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandlesEvent(OrderPlacedV1, 'reserve-coupon-on-order-placed')
  async handle(@Payload() envelope: EventEnvelope<OrderPlacedV1>): Promise<void> {
    const { payload } = envelope;
    // An order without a coupon has nothing to reserve here, and the order service waits for no answer.
    if (payload.couponId === null) return;
    const orderId = canonicalId(payload.orderId);
    const couponId = canonicalId(payload.couponId);
    const result = await this.reserveCoupon.execute({ orderId, userId: canonicalId(payload.userId), couponId, subtotal: payload.subtotal });
    if (result.outcome === 'already-decided') {
      this.logger.info({ orderId, couponId, status: result.status }, 'order placement seen again: its coupon reservation was decided before, nothing changed');
    } else if (result.outcome === 'rejected') {
      this.logger.info({ orderId, couponId, reason: result.reason }, 'coupon reservation rejected');
    }
  }
}
