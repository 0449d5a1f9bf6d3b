import { Inject, Injectable } from '@nestjs/common';
import { UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { ORDER_CLOCK, ORDER_REPOSITORY, ORDER_RULES, type OrderRules } from '../../order.di-tokens.js';
import type { OrderRepository } from '../../ports/order.repository.js';
import type { RecordPointsReplyCommand, RecordPointsReplyResult } from './record-points-reply.command.js';

/**
 * The points' reservation is in (the order awaits payment once the coupon is too) or refused (the
 * order is cancelled with POINTS_<reason>). A reply after the decision or a repeat changes nothing
 * ('ignored'); so does one freezing other points than the order asked for, or answering an order that
 * asked for none (with `mismatch`). Saved only when something changed.
 */
@Injectable()
export class RecordPointsReplyHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository,
    @Inject(ORDER_CLOCK) private readonly clock: Clock,
    @Inject(ORDER_RULES) private readonly rules: OrderRules,
  ) {}

  async execute(command: RecordPointsReplyCommand): Promise<RecordPointsReplyResult> {
    const { reply } = command;
    return this.unitOfWork.run(async () => {
      const order = await this.orders.findForUpdate(command.orderId);
      if (!order) return { outcome: 'unknown-order' };
      const received = reply.kind === 'reserved' ? reply.points : null;
      if (order.pointsToUse === 0 || (received !== null && received !== order.pointsToUse))
        return { outcome: 'ignored', status: order.status, mismatch: { field: 'points', expected: order.pointsToUse, received } };

      const at = this.clock.now();
      const outcome =
        reply.kind === 'reserved'
          ? order.recordPointsReserved({ points: reply.points, at, paymentTimeoutMs: this.rules.paymentTimeoutMs })
          : order.recordPointsRejected({ reason: reply.reason, at });
      if (outcome !== 'ignored') await this.orders.save(order);
      return { outcome, status: order.status };
    });
  }
}
