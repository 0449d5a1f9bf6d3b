import { Inject, Injectable } from '@nestjs/common';
import { UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { ORDER_CLOCK, ORDER_REPOSITORY } from '../../order.di-tokens.js';
import type { OrderView } from '../../order.presenters.js';
import type { OrderRepository } from '../../ports/order.repository.js';
import { changedOrder } from '../order-of.js';
import type { CancelOrderCommand } from './cancel-order.command.js';

/** The customer cancels an order not paid yet (PENDING or AWAITING_PAYMENT; else INVALID_STATE): order.cancelled.v1 makes the participants release what they hold. Another customer's order is ORDER_NOT_FOUND. */
@Injectable()
export class CancelOrderHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository,
    @Inject(ORDER_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: CancelOrderCommand): Promise<OrderView> {
    return this.unitOfWork.run(() => changedOrder(this.orders, command.orderId, command.userId, (order) => order.cancelByCustomer(this.clock.now())));
  }
}
