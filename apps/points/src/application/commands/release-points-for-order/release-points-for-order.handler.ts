import { Inject, Injectable } from '@nestjs/common';
import { UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { OrderPoints } from '../../../domain/order-points.js';
import { Points } from '../../../domain/points.js';
import { ORDER_POINTS_REPOSITORY, POINTS_ACCOUNT_REPOSITORY, POINTS_CLOCK } from '../../points.di-tokens.js';
import type { OrderPointsRepository } from '../../ports/order-points.repository.js';
import type { PointsAccountRepository } from '../../ports/points-account.repository.js';
import { accountOf } from '../account-of.js';
import type { ReleasePointsForOrderCommand, ReleasePointsForOrderResult } from './release-points-for-order.command.js';

/**
 * The saga's *cancel*: the points frozen for the cancelled order are available again. Idempotent by
 * order id. A cancellation that arrives before the placement leaves a tombstone and succeeds (an empty
 * rollback); the placement is then rejected when it comes.
 */
@Injectable()
export class ReleasePointsForOrderHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(ORDER_POINTS_REPOSITORY) private readonly orders: OrderPointsRepository,
    @Inject(POINTS_ACCOUNT_REPOSITORY) private readonly accounts: PointsAccountRepository,
    @Inject(POINTS_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: ReleasePointsForOrderCommand): Promise<ReleasePointsForOrderResult> {
    return this.unitOfWork.run(async () => {
      const now = this.clock.now();
      const order = await this.orders.findForUpdate(command.orderId);
      if (!order) {
        await this.orders.save(OrderPoints.tombstone(command.orderId, now));
        return { outcome: 'tombstoned' };
      }
      if (order.status !== 'RESERVED') return { outcome: 'nothing-to-release', status: order.status };

      const account = await accountOf(this.accounts, order);
      const points = Points.of(order.points);
      account.release(order.orderId, points, now);
      order.release(now);
      await this.accounts.save(account);
      await this.orders.save(order);
      return { outcome: 'released', points: points.value };
    });
  }
}
