import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { PaymentRefundedV1, type EventEnvelope } from '@shop/contracts';
import { HandlesEvent } from '@shop/messaging';
import { LOGGER, type Logger } from '@shop/observability';
import { canonicalId } from '@shop/shared-kernel';
import { RecordRefundHandler } from '../../application/commands/record-refund/record-refund.handler.js';

/**
 * The saga's step 7: the order's captured payment was given back, so the order is REFUNDED
 * (order.refunded.v1: the coupon is returned, the points given back and clawed back). The refund of a
 * payment the order never kept (late, duplicate, wrong amount) is only marked: the order is unchanged.
 * A refund of another amount than the payment's changes nothing and is logged at error with both amounts;
 * so is one of a payment recorded on another order, naming both orders.
 * A refund that overtook its payment fails on purpose (the use case throws): it is retried with the
 * saga's delays until the payment has been recorded.
 */
@Controller()
export class MarkOrderRefundedOnPaymentRefunded {
  constructor(
    private readonly recordRefund: RecordRefundHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandlesEvent(PaymentRefundedV1, 'mark-order-refunded-on-payment-refunded')
  async handle(@Payload() envelope: EventEnvelope<PaymentRefundedV1>): Promise<void> {
    const { payload } = envelope;
    const orderId = canonicalId(payload.orderId);
    const paymentId = canonicalId(payload.paymentId);
    const result = await this.recordRefund.execute({ orderId, paymentId, amount: payload.amount });
    if (result.outcome === 'refunded') {
      this.logger.info({ orderId, paymentId, amount: payload.amount }, 'payment refunded: the order is refunded');
    } else if (result.outcome === 'stray-refunded') {
      this.logger.info({ orderId, paymentId, amount: payload.amount }, 'payment the order did not keep is refunded: the order is unchanged');
    } else if (result.outcome === 'foreign-payment') {
      this.logger.error(
        { orderId, paymentId, amount: payload.amount, ownerOrderId: result.ownerOrderId },
        'payment refunded for an order, but it is recorded on another order: nothing changed; the payment context and the order service disagree',
      );
    } else if (result.outcome === 'amount-mismatch') {
      // Dropped, not retried (a redelivery says the same): the order knows whole refunds only, so someone settles this by hand.
      this.logger.error(
        { orderId, paymentId, amount: payload.amount, paymentAmount: result.paymentAmount },
        'payment refunded for another amount than was paid (a partial refund?): the order is unchanged, nothing is given back',
      );
    } else {
      this.logger.info({ orderId, paymentId }, 'payment refunded again: it was recorded before, nothing changed');
    }
  }
}
