import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OrderRefundRequestedV1, type EventEnvelope } from '@shop/contracts';
import { HandlesEvent } from '@shop/messaging';
import { LOGGER, type Logger } from '@shop/observability';
import { canonicalId } from '@shop/shared-kernel';
import { RequestRefundHandler } from '../../application/commands/request-refund/request-refund.handler.js';

/**
 * The saga's step 7: the order asks for a payment's money back (its customer asked, or it cannot keep the
 * payment: LATE_PAYMENT, DUPLICATE_PAYMENT, AMOUNT_MISMATCH; the order decides, this context carries it
 * out). The payment is REFUNDING at once; the provider is tried right after and then with backoff until
 * it gives the money back (payment.refunded.v1). A repeat changes nothing. A request of another amount
 * than the payment's, or naming another order than the payment's, is dropped and logged at error: the
 * order never asks that, so the two contexts disagree and retrying cannot help. A payment unknown here
 * fails the delivery (retried with the saga's delays, then dead-lettered).
 */
@Controller()
export class RefundPaymentOnRefundRequested {
  constructor(
    private readonly requestRefund: RequestRefundHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandlesEvent(OrderRefundRequestedV1, 'refund-payment-on-refund-requested')
  async handle(@Payload() envelope: EventEnvelope<OrderRefundRequestedV1>): Promise<void> {
    const { payload } = envelope;
    const orderId = canonicalId(payload.orderId);
    const paymentId = canonicalId(payload.paymentId);
    const fields = { orderId, paymentId, amount: payload.amount, reason: payload.reason };
    const result = await this.requestRefund.execute({ orderId, paymentId, amount: payload.amount, reason: payload.reason });
    if (result.outcome === 'requested') {
      this.logger.info(fields, 'refund requested: the payment is refunding');
    } else if (result.outcome === 'duplicate') {
      this.logger.info(fields, 'refund requested again: it was asked for before, nothing changed');
    } else if (result.outcome === 'amount-mismatch') {
      this.logger.error(
        { ...fields, paymentAmount: result.paymentAmount },
        'refund requested for another amount than was paid (refunds are whole): nothing changed; the order and payment contexts disagree',
      );
    } else {
      this.logger.error(
        { ...fields, paymentOrderId: result.paymentOrderId },
        'refund requested for a payment of another order: nothing changed; the order and payment contexts disagree',
      );
    }
  }
}
