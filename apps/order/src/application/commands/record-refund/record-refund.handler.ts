import { Inject, Injectable } from '@nestjs/common';
import { assertUuid, UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { ORDER_CLOCK, ORDER_REPOSITORY } from '../../order.di-tokens.js';
import type { OrderRepository } from '../../ports/order.repository.js';
import { orderOf } from '../order-of.js';
import type { RecordRefundCommand, RecordRefundResult } from './record-refund.command.js';

/**
 * A payment was refunded: the order's captured payment makes it REFUNDED (order.refunded.v1, the coupon
 * and points are given back); one the order refused is marked refunded, nothing else. A refund of
 * another amount than the payment's changes nothing ('amount-mismatch', with what was paid), nor does
 * one of a payment recorded on another order ('foreign-payment', naming it). Throws, so the
 * delivery is retried, for an unknown order or a payment not recorded yet (the refund overtook it).
 */
@Injectable()
export class RecordRefundHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository,
    @Inject(ORDER_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: RecordRefundCommand): Promise<RecordRefundResult> {
    return this.unitOfWork.run(async () => {
      const order = await orderOf(this.orders, command.orderId);
      // Refunding a payment of another order is no step of this one; the domain would wait for it forever (REFUND_BEFORE_PAYMENT).
      const ownerOrderId = await this.orders.orderIdOfPayment(assertUuid('paymentId', command.paymentId));
      if (ownerOrderId !== null && ownerOrderId !== order.id) return { outcome: 'foreign-payment', ownerOrderId };
      const outcome = order.recordRefund({ paymentId: command.paymentId, amount: command.amount, at: this.clock.now() });
      if (outcome === 'amount-mismatch') return { outcome, paymentAmount: order.paymentOf(command.paymentId)!.amount };
      if (outcome !== 'duplicate') await this.orders.save(order);
      return { outcome };
    });
  }
}
