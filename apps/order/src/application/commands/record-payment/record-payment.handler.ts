import { Inject, Injectable } from '@nestjs/common';
import { assertUuid, UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { ORDER_CLOCK, ORDER_REPOSITORY } from '../../order.di-tokens.js';
import type { OrderRepository } from '../../ports/order.repository.js';
import { orderOf } from '../order-of.js';
import type { RecordPaymentCommand, RecordPaymentResult } from './record-payment.command.js';

/**
 * A payment succeeded: the order is PAID (order.paid.v1, participants confirm), or, when it cannot keep
 * it (cancelled: LATE_PAYMENT; paid already: DUPLICATE_PAYMENT; not the payable: AMOUNT_MISMATCH), its
 * refund is asked for (order.refund-requested.v1) and the order stays as it is. A payment recorded on
 * another order changes nothing ('foreign-payment', naming that order). Throws, so the delivery
 * is retried (and dead-lettered after the saga's retry delays), for an order unknown here or still
 * PENDING: the payment overtook the placement or the reservations.
 */
@Injectable()
export class RecordPaymentHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository,
    @Inject(ORDER_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: RecordPaymentCommand): Promise<RecordPaymentResult> {
    return this.unitOfWork.run(async () => {
      const order = await orderOf(this.orders, command.orderId);
      // A payment belongs to one order: named for a second one, the payment context and this service disagree.
      // Answered, not thrown: a redelivery would say the same (and storing it twice is refused by the payments' key).
      const ownerOrderId = await this.orders.orderIdOfPayment(assertUuid('paymentId', command.paymentId));
      if (ownerOrderId !== null && ownerOrderId !== order.id) return { outcome: 'foreign-payment', ownerOrderId };
      const outcome = order.recordPayment({ paymentId: command.paymentId, amount: command.amount, at: this.clock.now() });
      if (outcome === 'duplicate') return { outcome };
      await this.orders.save(order);
      if (outcome === 'paid') return { outcome };
      const { paymentDueAt, cancelReason } = order;
      return { outcome, reason: order.paymentOf(command.paymentId)!.refundReason!, paymentDueAt, cancelReason };
    });
  }
}
