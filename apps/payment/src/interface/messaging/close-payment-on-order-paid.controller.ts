import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OrderPaidV1, type EventEnvelope } from '@shop/contracts';
import { HandlesEvent } from '@shop/messaging';
import { LOGGER, type Logger } from '@shop/observability';
import { canonicalId } from '@shop/shared-kernel';
import { ClosePaymentForOrderHandler } from '../../application/commands/close-payment-for-order/close-payment-for-order.handler.js';
import { logPaymentClosed } from './payment-closed.log.js';

/**
 * A paid order needs no other payment: `POST /payments` answers 409 `NOT_PAYABLE` (as it does already
 * for an order with a succeeded payment here; this also covers a payment the order took from another
 * attempt). An order cancelled or paid: reconciliation cancels its PENDING attempt at the provider. A second
 * payment that succeeds anyway is the order context's to refund (DUPLICATE_PAYMENT).
 */
@Controller()
export class ClosePaymentOnOrderPaid {
  constructor(
    private readonly closePaymentForOrder: ClosePaymentForOrderHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandlesEvent(OrderPaidV1, 'close-payment-on-order-paid')
  async handle(@Payload() envelope: EventEnvelope<OrderPaidV1>): Promise<void> {
    const { payload } = envelope;
    const orderId = canonicalId(payload.orderId);
    const outcome = await this.closePaymentForOrder.execute({ orderId, userId: canonicalId(payload.userId), closedAs: 'PAID' });
    logPaymentClosed(this.logger, outcome, { orderId, amountPaid: payload.amountPaid }, 'order paid');
  }
}
