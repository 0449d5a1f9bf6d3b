import { Inject, Injectable } from '@nestjs/common';
import { assertUuid, UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { PayableOrder } from '../../../domain/payable-order.js';
import { PAYABLE_ORDER_REPOSITORY, PAYMENT_CLOCK } from '../../payment.di-tokens.js';
import type { PayableOrderRepository } from '../../ports/payable-order.repository.js';
import type { ClosePaymentForOrderCommand, ClosePaymentForOrderResult } from './close-payment-for-order.command.js';

/**
 * The order was cancelled or paid: no new payment of it may start. Payments already PENDING are left to
 * the provider: a success after the cancellation is still applied (the money moved) and the order asks
 * for its refund (LATE_PAYMENT). An order cancelled or paid: reconciliation cancels its PENDING attempt at the provider.
 */
@Injectable()
export class ClosePaymentForOrderHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(PAYABLE_ORDER_REPOSITORY) private readonly orders: PayableOrderRepository,
    @Inject(PAYMENT_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: ClosePaymentForOrderCommand): Promise<ClosePaymentForOrderResult> {
    const orderId = assertUuid('orderId', command.orderId);
    return this.unitOfWork.run(async () => {
      const at = this.clock.now();
      const order = await this.orders.findForUpdate(orderId);
      if (!order) {
        await this.orders.save(PayableOrder.closedBeforeSeen(orderId, command.userId, command.closedAs, at));
        return 'closed-before-seen';
      }
      const outcome = command.closedAs === 'CANCELLED' ? order.markCancelled(at) : order.markPaid(at);
      if (outcome === 'unchanged') return 'unchanged';
      await this.orders.save(order);
      return 'closed';
    });
  }
}
