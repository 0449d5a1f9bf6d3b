import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OrderCancelledV1, type EventEnvelope } from '@shop/contracts';
import { HandlesEvent } from '@shop/messaging';
import { LOGGER, type Logger } from '@shop/observability';
import { canonicalId } from '@shop/shared-kernel';
import { ClosePaymentForOrderHandler } from '../../application/commands/close-payment-for-order/close-payment-for-order.handler.js';
import { logPaymentClosed } from './payment-closed.log.js';

/**
 * A cancelled order can no longer be paid: `POST /payments` answers 409 `NOT_PAYABLE`. A payment already
 * PENDING is left to the provider: one that succeeds after all is applied (the money moved) and the order
 * context asks for it back (LATE_PAYMENT); reconciliation cancels at the provider those that never settle.
 * A cancellation that overtook the order's awaiting leaves a tombstone, so the awaiting opens nothing.
 */
@Controller()
export class ClosePaymentOnOrderCancelled {
  constructor(
    private readonly closePaymentForOrder: ClosePaymentForOrderHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandlesEvent(OrderCancelledV1, 'close-payment-on-order-cancelled')
  async handle(@Payload() envelope: EventEnvelope<OrderCancelledV1>): Promise<void> {
    const { payload } = envelope;
    const orderId = canonicalId(payload.orderId);
    const outcome = await this.closePaymentForOrder.execute({ orderId, userId: canonicalId(payload.userId), closedAs: 'CANCELLED' });
    logPaymentClosed(this.logger, outcome, { orderId, reason: payload.reason }, 'order cancelled');
  }
}
