import { Inject, Injectable } from '@nestjs/common';
import { assertUuid, newId, UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { PayableOrder } from '../../../domain/payable-order.js';
import { Payment } from '../../../domain/payment.js';
import { PAYABLE_ORDER_REPOSITORY, PAYMENT_CLOCK, PAYMENT_REPOSITORY } from '../../payment.di-tokens.js';
import type { PayableOrderRepository } from '../../ports/payable-order.repository.js';
import type { PaymentRepository } from '../../ports/payment.repository.js';
import type { OpenPaymentForOrderCommand, OpenPaymentForOrderResult } from './open-payment-for-order.command.js';

/**
 * An order awaits payment: it goes into the local projection of payable orders, so that its customer can
 * pay it without a synchronous call to the order service. With nothing to pay (payable 0), a payment of 0
 * through no provider SUCCEEDED at once, in the same transaction: the order becomes PAID with no customer
 * step. An order closed before its awaiting arrived (a tombstone) stays closed.
 */
@Injectable()
export class OpenPaymentForOrderHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(PAYABLE_ORDER_REPOSITORY) private readonly orders: PayableOrderRepository,
    @Inject(PAYMENT_REPOSITORY) private readonly payments: PaymentRepository,
    @Inject(PAYMENT_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: OpenPaymentForOrderCommand): Promise<OpenPaymentForOrderResult> {
    const orderId = assertUuid('orderId', command.orderId);
    return this.unitOfWork.run(async () => {
      const known = await this.orders.findForUpdate(orderId);
      if (known) return known.final ? 'ignored' : 'duplicate';
      const at = this.clock.now();
      const order = PayableOrder.awaiting({ orderId, userId: command.userId, payable: command.payable, paymentDueAt: command.paymentDueAt, at });
      await this.orders.save(order);
      if (order.payable > 0) return 'opened';
      if (await this.payments.hasSucceededPayment(orderId)) return 'duplicate';
      await this.payments.save(Payment.settledFree({ id: newId(), orderId, userId: order.userId, at }));
      return 'settled-free';
    });
  }
}
