import { Inject, Injectable } from '@nestjs/common';
import { UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { ORDER_CLOCK, ORDER_REPOSITORY } from '../../order.di-tokens.js';
import type { OrderView } from '../../order.presenters.js';
import type { OrderRepository } from '../../ports/order.repository.js';
import { changedOrder } from '../order-of.js';
import type { ConfirmReceiptCommand } from './confirm-receipt.command.js';

/** The customer confirms a DELIVERED order arrived: COMPLETED (else INVALID_STATE). Another customer's order is ORDER_NOT_FOUND. */
@Injectable()
export class ConfirmReceiptHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository,
    @Inject(ORDER_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: ConfirmReceiptCommand): Promise<OrderView> {
    return this.unitOfWork.run(() => changedOrder(this.orders, command.orderId, command.userId, (order) => order.confirmReceipt(this.clock.now())));
  }
}
