import { Inject, Injectable } from '@nestjs/common';
import { UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { ORDER_CLOCK, ORDER_REPOSITORY } from '../../order.di-tokens.js';
import type { OrderView } from '../../order.presenters.js';
import type { OrderRepository } from '../../ports/order.repository.js';
import { changedOrder } from '../order-of.js';
import type { AdvanceFulfilmentCommand } from './advance-fulfilment.command.js';

/** An admin moves a paid order along: PAID → ACCEPTED → SHIPPED → DELIVERED, one step at a time (else INVALID_STATE). */
@Injectable()
export class AdvanceFulfilmentHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository,
    @Inject(ORDER_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: AdvanceFulfilmentCommand): Promise<OrderView> {
    return this.unitOfWork.run(() =>
      changedOrder(this.orders, command.orderId, null, (order) => {
        const at = this.clock.now();
        switch (command.step) {
          case 'accept':
            order.accept(at);
            break;
          case 'ship':
            order.ship(at);
            break;
          case 'deliver':
            order.deliver(at);
            break;
        }
      }),
    );
  }
}
