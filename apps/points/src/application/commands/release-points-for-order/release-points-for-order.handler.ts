import { Inject, Injectable } from '@nestjs/common';
import { UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { OrderPoints } from '../../../domain/order-points.js';
import { Points } from '../../../domain/points.js';
import { ORDER_POINTS_REPOSITORY, POINTS_ACCOUNT_REPOSITORY, POINTS_CLOCK } from '../../points.di-tokens.js';
import type { OrderPointsRepository } from '../../ports/order-points.repository.js';
import type { PointsAccountRepository } from '../../ports/points-account.repository.js';
import { accountOf } from '../account-of.js';
import { attempt } from '../disagreement.js';
import type { ReleasePointsForOrderCommand, ReleasePointsForOrderResult } from './release-points-for-order.command.js';

/**
 * The saga's *cancel*: the points frozen for the cancelled order are available again. Idempotent by
 * order id. Every cancellation looks the order up, whatever `pointsToUse` it says: points frozen for it
 * are released either way. One that arrives before the placement of an order using points leaves a
 * tombstone and succeeds (an empty rollback); the placement is then rejected when it comes. One of an
 * order never seen that used no points leaves nothing (its placement freezes nothing). The order's
 * points decide: a paid or refunded order is past cancelling (`inconsistent`, nothing changed).
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
    const pointsToUse = Points.of(command.pointsToUse, 'pointsToUse');
    return this.unitOfWork.run(async () => {
      const now = this.clock.now();
      const order = await this.orders.findForUpdate(command.orderId);
      if (!order) {
        if (pointsToUse.isZero()) return { outcome: 'not-seen' };
        await this.orders.save(OrderPoints.tombstone(command.orderId, now));
        return { outcome: 'tombstoned' };
      }
      const released = attempt(order, () => order.release(now));
      if (released === false) return { outcome: 'nothing-to-release', status: order.status };
      if (released !== true) return released;

      const account = await accountOf(this.accounts, order);
      const points = Points.of(order.points);
      account.release(order.orderId, points, now);
      await this.accounts.save(account);
      await this.orders.save(order);
      return { outcome: 'released', points: points.value };
    });
  }
}
