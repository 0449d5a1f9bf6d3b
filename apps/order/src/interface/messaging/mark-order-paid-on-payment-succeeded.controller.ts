import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { PaymentSucceededV1, type EventEnvelope } from '@shop/contracts';
import { HandlesEvent } from '@shop/messaging';
import { LOGGER, type Logger } from '@shop/observability';
import { canonicalId } from '@shop/shared-kernel';
import { RecordPaymentHandler } from '../../application/commands/record-payment/record-payment.handler.js';

/**
 * The saga's step 6: a captured payment makes the order PAID (order.paid.v1: the coupon is used, the
 * points spent and earned). A payment the order cannot keep (it was cancelled meanwhile, it is paid by
 * another payment already, or the amount is not what it owes) leaves the order as it is and asks for
 * the money back (order.refund-requested.v1, LATE_PAYMENT / DUPLICATE_PAYMENT / AMOUNT_MISMATCH).
 * A payment recorded on another order changes nothing and is logged at error, naming both orders. So
 * is a LATE_PAYMENT taken in time (its succeededAt not after the order's payment deadline) of an order
 * that PAYMENT_TIMEOUT cancelled meanwhile: no behaviour of its own, but someone should look why.
 *
 * A payment that overtook the order's reservations, or its placement, fails on purpose (the use case
 * throws, the event consumer logs it as any failure): the delivery is retried with the saga's delays
 * until the order awaits payment.
 */
@Controller()
export class MarkOrderPaidOnPaymentSucceeded {
  constructor(
    private readonly recordPayment: RecordPaymentHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandlesEvent(PaymentSucceededV1, 'mark-order-paid-on-payment-succeeded')
  async handle(@Payload() envelope: EventEnvelope<PaymentSucceededV1>): Promise<void> {
    const { payload } = envelope;
    const orderId = canonicalId(payload.orderId);
    const paymentId = canonicalId(payload.paymentId);
    const result = await this.recordPayment.execute({ orderId, paymentId, amount: payload.amount });
    if (result.outcome === 'paid') {
      this.logger.info({ orderId, paymentId, amount: payload.amount }, 'payment succeeded: the order is paid');
    } else if (result.outcome === 'duplicate') {
      this.logger.info({ orderId, paymentId }, 'payment succeeded again: it was recorded before, nothing changed');
    } else if (result.outcome === 'foreign-payment') {
      // Dropped, not retried (a redelivery says the same): the payment context and this service disagree about whose payment it is.
      this.logger.error(
        { orderId, paymentId, amount: payload.amount, ownerOrderId: result.ownerOrderId },
        'payment succeeded for an order, but it is recorded on another order: nothing changed; the payment context and the order service disagree',
      );
    } else {
      const fields = { orderId, paymentId, amount: payload.amount, reason: result.reason };
      const { paymentDueAt } = result;
      const timedOutInTime =
        result.reason === 'LATE_PAYMENT' &&
        result.cancelReason === 'PAYMENT_TIMEOUT' &&
        paymentDueAt !== null &&
        Date.parse(payload.succeededAt) <= paymentDueAt.getTime();
      if (timedOutInTime) {
        // Taken before the deadline, yet the deadline cancelled the order: the event waited (a backlog, an outage).
        // A customer's cancel that won the race is the rules working, so only a warning.
        this.logger.error(
          { ...fields, succeededAt: payload.succeededAt, paymentDueAt: paymentDueAt.toISOString(), cancelReason: result.cancelReason },
          'payment succeeded in time (not after the order’s payment deadline) but was handled after the order was cancelled: the order is unchanged, its refund is requested',
        );
      } else {
        // Money taken that the order cannot keep: the rules working, but someone may ask where it went.
        this.logger.warn(fields, 'payment succeeded for an order that cannot take it: the order is unchanged, its refund is requested');
      }
    }
  }
}
