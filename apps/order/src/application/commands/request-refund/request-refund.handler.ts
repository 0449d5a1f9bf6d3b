import { Inject, Injectable } from '@nestjs/common';
import { UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { ORDER_CLOCK, ORDER_REPOSITORY } from '../../order.di-tokens.js';
import type { OrderView } from '../../order.presenters.js';
import type { OrderRepository } from '../../ports/order.repository.js';
import { changedOrder } from '../order-of.js';
import type { RequestRefundCommand } from './request-refund.command.js';

/** The customer asks for their money back, from PAID to DELIVERED (else INVALID_STATE): REFUNDING, and order.refund-requested.v1 (CUSTOMER_REQUEST) asks the payment context to refund the captured payment. */
@Injectable()
export class RequestRefundHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository,
    @Inject(ORDER_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: RequestRefundCommand): Promise<OrderView> {
    return this.unitOfWork.run(() => changedOrder(this.orders, command.orderId, command.userId, (order) => order.requestRefund(this.clock.now())));
  }
}
