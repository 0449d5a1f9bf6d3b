import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OrderAwaitingPaymentV1, type EventEnvelope } from '@shop/contracts';
import { HandlesEvent } from '@shop/messaging';
import { LOGGER, type Logger } from '@shop/observability';
import { canonicalId } from '@shop/shared-kernel';
import { OpenPaymentForOrderHandler } from '../../application/commands/open-payment-for-order/open-payment-for-order.handler.js';

/**
 * The saga's step 4 seen from here: an order awaits payment, so its customer may now pay it (the local
 * projection holds what is payable until when: no call to the order service on `POST /payments`). An
 * order with nothing left to pay (coupon and points covered it) is paid at once by a payment of 0
 * (payment.succeeded.v1 in the same transaction). A repeat changes nothing; so does an awaiting that
 * arrives after the order's cancellation or payment was heard of (its tombstone keeps it closed).
 */
@Controller()
export class OpenPaymentOnOrderAwaitingPayment {
  constructor(
    private readonly openPaymentForOrder: OpenPaymentForOrderHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandlesEvent(OrderAwaitingPaymentV1, 'open-payment-on-order-awaiting-payment')
  async handle(@Payload() envelope: EventEnvelope<OrderAwaitingPaymentV1>): Promise<void> {
    const { payload } = envelope;
    const orderId = canonicalId(payload.orderId);
    const userId = canonicalId(payload.userId);
    const fields = { orderId, payable: payload.payable, paymentDueAt: payload.paymentDueAt };
    const outcome = await this.openPaymentForOrder.execute({ orderId, userId, payable: payload.payable, paymentDueAt: new Date(payload.paymentDueAt) });
    if (outcome === 'opened') {
      this.logger.info(fields, 'order awaits payment: its customer may pay it');
    } else if (outcome === 'settled-free') {
      this.logger.info(fields, 'order awaits payment of nothing: a payment of 0 succeeded at once');
    } else if (outcome === 'duplicate') {
      this.logger.info(fields, 'order awaits payment again: heard before, nothing changed');
    } else {
      this.logger.info(fields, 'order awaits payment, but it was cancelled or paid before: it stays closed, nothing changed');
    }
  }
}
