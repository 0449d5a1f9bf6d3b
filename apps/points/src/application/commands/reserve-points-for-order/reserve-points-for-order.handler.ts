import { Inject, Injectable } from '@nestjs/common';
import { UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { OrderPoints } from '../../../domain/order-points.js';
import { InvalidPointsError } from '../../../domain/points.errors.js';
import { Points } from '../../../domain/points.js';
import { ORDER_POINTS_REPOSITORY, POINTS_ACCOUNT_REPOSITORY, POINTS_CLOCK } from '../../points.di-tokens.js';
import type { OrderPointsRepository } from '../../ports/order-points.repository.js';
import type { PointsAccountRepository } from '../../ports/points-account.repository.js';
import type { ReservePointsForOrderCommand, ReservePointsForOrderResult } from './reserve-points-for-order.command.js';

/**
 * The saga's *try*: freeze the points the order wants and answer `points.reserved.v1`, or
 * `points.reservation-rejected.v1` (INSUFFICIENT_POINTS) when fewer are available. Idempotent by order
 * id: once decided, every redelivery is answered with no change. A placement whose order was already
 * cancelled (a tombstone) is rejected with ORDER_CANCELLED, so no points hang frozen for a dead order.
 */
@Injectable()
export class ReservePointsForOrderHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(ORDER_POINTS_REPOSITORY) private readonly orders: OrderPointsRepository,
    @Inject(POINTS_ACCOUNT_REPOSITORY) private readonly accounts: PointsAccountRepository,
    @Inject(POINTS_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: ReservePointsForOrderCommand): Promise<ReservePointsForOrderResult> {
    const { orderId, userId } = command;
    const points = Points.of(command.points, 'pointsToUse');
    if (points.isZero()) throw new InvalidPointsError('pointsToUse', 'an order that uses no points reserves none');
    return this.unitOfWork.run(async () => {
      const now = this.clock.now();
      // The order's row is locked before the account's, in every saga step: one lock order, no deadlock.
      const existing = await this.orders.findForUpdate(orderId);
      if (existing?.isTombstone) {
        existing.rejectLate(userId, points, now);
        await this.orders.save(existing);
        return { outcome: 'rejected', reason: 'ORDER_CANCELLED' };
      }
      if (existing) {
        // A repeat agrees with what was decided; one naming another user or amount (or asking points of an
        // order paid without any) means the order context disagrees: still nothing changes, but it is said.
        const agrees = existing.isFor(userId, points);
        return { outcome: 'already-decided', status: existing.status, agrees, recorded: { userId: existing.userId, points: existing.points } };
      }

      const account = await this.accounts.findForUpdate(userId);
      // Too few points is an answer to the order, not a failure to retry; no account is opened for it.
      if (!account?.canFreeze(points)) {
        await this.orders.save(OrderPoints.rejected(orderId, userId, points, 'INSUFFICIENT_POINTS', now));
        return { outcome: 'rejected', reason: 'INSUFFICIENT_POINTS' };
      }
      account.freeze(orderId, points, now);
      await this.accounts.save(account);
      await this.orders.save(OrderPoints.reserved(orderId, userId, points, now));
      return { outcome: 'reserved', points: points.value };
    });
  }
}
