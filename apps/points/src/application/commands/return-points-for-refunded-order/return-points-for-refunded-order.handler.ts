import { Inject, Injectable } from '@nestjs/common';
import { UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { Points } from '../../../domain/points.js';
import { ORDER_POINTS_REPOSITORY, POINTS_ACCOUNT_REPOSITORY, POINTS_CLOCK } from '../../points.di-tokens.js';
import type { OrderPointsRepository } from '../../ports/order-points.repository.js';
import type { PointsAccountRepository } from '../../ports/points-account.repository.js';
import { SagaStepOutOfOrderError } from '../../saga-step-out-of-order.error.js';
import { accountOf } from '../account-of.js';
import type { ReturnPointsForRefundedOrderCommand, ReturnPointsForRefundedOrderResult } from './return-points-for-refunded-order.command.js';

/**
 * The paid order was refunded: the points it spent come back (REFUND) first, then the points it earned
 * are clawed back (CLAWBACK), never below zero: what is no longer available is owed (DEBT) and settled
 * from later credits. Idempotent by order id. A refund whose payment was not seen yet (no row, or
 * still RESERVED) is too early (`SagaStepOutOfOrderError`: redelivered later), since only the payment
 * says what was spent and earned.
 */
@Injectable()
export class ReturnPointsForRefundedOrderHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(ORDER_POINTS_REPOSITORY) private readonly orders: OrderPointsRepository,
    @Inject(POINTS_ACCOUNT_REPOSITORY) private readonly accounts: PointsAccountRepository,
    @Inject(POINTS_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: ReturnPointsForRefundedOrderCommand): Promise<ReturnPointsForRefundedOrderResult> {
    const { orderId } = command;
    return this.unitOfWork.run(async () => {
      const now = this.clock.now();
      const order = await this.orders.findForUpdate(orderId);
      if (!order || order.status === 'RESERVED') throw new SagaStepOutOfOrderError('order.refunded.v1', orderId, 'its order.paid.v1');
      // Rejected, released or cancelled before placed: it never spent or earned anything here.
      if (order.status === 'REJECTED' || order.status === 'RELEASED' || order.isTombstone) return { outcome: 'nothing-to-return', status: order.status };
      if (!order.refund(now)) return { outcome: 'already-returned' };

      const spent = Points.of(order.points);
      const earned = Points.of(order.earned);
      let clawedBack = Points.zero;
      let debt = Points.zero;
      // An order that used and earned nothing has no account to touch (its user may have none).
      if (!spent.isZero() || !earned.isZero()) {
        const account = await accountOf(this.accounts, order);
        account.returnSpent(order.orderId, spent, now);
        ({ clawedBack, debt } = account.clawBack(order.orderId, earned, now));
        await this.accounts.save(account);
      }
      await this.orders.save(order);
      return { outcome: 'returned', returned: spent.value, clawedBack: clawedBack.value, debt: debt.value };
    });
  }
}
