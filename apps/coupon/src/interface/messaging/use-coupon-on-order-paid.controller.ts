import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OrderPaidV1, type EventEnvelope } from '@shop/contracts';
import { HandlesEvent } from '@shop/messaging';
import { LOGGER, type Logger } from '@shop/observability';
import { ConfirmCouponUseHandler } from '../../application/commands/confirm-coupon-use/confirm-coupon-use.handler.js';

/** The saga's *confirm*: the paid order's coupon is USED. */
@Controller()
export class UseCouponOnOrderPaid {
  constructor(
    private readonly confirmCouponUse: ConfirmCouponUseHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandlesEvent(OrderPaidV1, 'use-coupon-on-order-paid')
  async handle(@Payload() envelope: EventEnvelope<OrderPaidV1>): Promise<void> {
    const { orderId, couponId } = envelope.payload;
    if (couponId === null) return;
    const result = await this.confirmCouponUse.execute({ orderId });
    if (result.outcome === 'ignored') {
      // Confirmed already (a second delivery), or a payment for an order whose coupon was never reserved: worth seeing, nothing to do.
      this.logger.warn({ orderId, couponId, status: result.status }, 'order paid, but no coupon is reserved for it: nothing confirmed');
    }
  }
}
