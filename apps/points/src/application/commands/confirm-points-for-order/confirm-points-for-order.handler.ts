import { Inject, Injectable } from '@nestjs/common';
import { UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { OrderPoints } from '../../../domain/order-points.js';
import { PointsAccount } from '../../../domain/points-account.js';
import { Points } from '../../../domain/points.js';
import { ORDER_POINTS_REPOSITORY, POINTS_ACCOUNT_REPOSITORY, POINTS_CLOCK } from '../../points.di-tokens.js';
import type { OrderPointsRepository } from '../../ports/order-points.repository.js';
import type { PointsAccountRepository } from '../../ports/points-account.repository.js';
import { SagaStepOutOfOrderError } from '../../saga-step-out-of-order.error.js';
import { accountOf } from '../account-of.js';
import { attempt } from '../disagreement.js';
import type { ConfirmPointsForOrderCommand, ConfirmPointsForOrderResult } from './confirm-points-for-order.command.js';

/**
 * The saga's *confirm*: the order was paid, so the points frozen for it are spent (SPEND) and the
 * payment earns one point per full yuan (EARN), in one transaction. Idempotent by order id. A payment
 * of an order that used points, arriving before its placement, is too early (`SagaStepOutOfOrderError`:
 * redelivered later); one of an order that used none is remembered, so its refund claws back what it earned.
 * The order's points decide whether the payment applies: one of points never frozen, or naming another
 * user or amount than the reservation, is `inconsistent` and changes nothing.
 */
@Injectable()
export class ConfirmPointsForOrderHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(ORDER_POINTS_REPOSITORY) private readonly orders: OrderPointsRepository,
    @Inject(POINTS_ACCOUNT_REPOSITORY) private readonly accounts: PointsAccountRepository,
    @Inject(POINTS_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: ConfirmPointsForOrderCommand): Promise<ConfirmPointsForOrderResult> {
    const { orderId, userId } = command;
    const pointsToUse = Points.of(command.pointsToUse, 'pointsToUse');
    const earned = Points.earnedFor(command.amountPaid);
    return this.unitOfWork.run(async () => {
      const now = this.clock.now();
      const order = await this.orders.findForUpdate(orderId);
      if (!order) {
        if (!pointsToUse.isZero()) throw new SagaStepOutOfOrderError('order.paid.v1', orderId, 'its order.placed.v1');
        // Its ids as the row keeps them (one spelling), for the account and the ledger's key too.
        const paidOrder = OrderPoints.paidWithoutPoints(orderId, userId, earned, now);
        if (!earned.isZero()) {
          const owner = paidOrder.userId!;
          const account = (await this.accounts.findForUpdate(owner)) ?? PointsAccount.open(owner, now);
          account.earn(paidOrder.orderId, earned, now);
          await this.accounts.save(account);
        }
        await this.orders.save(paidOrder);
        return { outcome: 'confirmed', spent: 0, earned: earned.value };
      }
      const paid = attempt(order, () => order.confirmPaid(earned, now, { userId, pointsToUse }));
      if (paid === false) return { outcome: 'already-confirmed', status: order.status };
      if (paid !== true) return paid;

      const account = await accountOf(this.accounts, order);
      const spent = Points.of(order.points);
      account.spend(order.orderId, spent, now);
      account.earn(order.orderId, earned, now);
      await this.accounts.save(account);
      await this.orders.save(order);
      return { outcome: 'confirmed', spent: spent.value, earned: earned.value };
    });
  }
}
